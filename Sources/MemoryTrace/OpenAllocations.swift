// A FREE_BACK names its ALLOC by how many ALLOCs back it is; in a program that keeps n blocks alive
// and frees them in any order, that distance runs far past n (the random churn's 64 live blocks:
// 7.5 bits a FREE_BACK). Counting only the ALLOCs still open (not yet named by a FREE_BACK) makes it
// a number below n (6 bits there). Both sides of a packed chunk keep the count, within the chunk.

/// The ALLOCs of one chunk that no FREE_BACK of the chunk has named yet, among the latest
/// ``window``, so that a FREE_BACK can name one by its rank among them (1: the latest open one).
///
/// A list of their indices in order: the unpacker finds an ALLOC by rank in O(1), the packer a
/// rank by counting (or, among many, binary search), and naming one shifts the open ALLOCs on its
/// shorter side.
/// (A bitset counted a word at a time cost 48 ns a FREE_BACK to unpack: the build has no `popcnt`.)
struct OpenAllocations {
  /// How far back a rank reaches; a FREE_BACK further back keeps its distance.
  static let window = 4096
  /// Up to this many open ALLOCs, a rank is counted rather than searched for.
  private static let countedLength = 256
  /// Open ALLOCs' indices, increasing, from `start` up to `end` (those before `start` left the
  /// window; the slots from `end` on are spare, so that closing one shifts without resizing).
  private var open: [Int32] = []
  private var start = 0
  private var end = 0
  /// ALLOCs appended.
  private(set) var count = 0

  /// Empties the set for a new chunk.
  mutating func reset() {
    open.removeAll(keepingCapacity: true)
    start = 0
    end = 0
    count = 0
  }

  /// The chunk's next ALLOC, open.
  @inline(__always)
  mutating func append() {
    if end < open.count {
      open[end] = Int32(truncatingIfNeeded: count)
    } else {
      open.append(Int32(truncatingIfNeeded: count))
    }
    end += 1
    count += 1
  }

  /// Drops the open ALLOCs that left the window.
  @inline(__always)
  private mutating func trim() {
    let oldest = count - Self.window
    while start < end && Int(open[start]) < oldest { start += 1 }
    if start >= Self.window && start * 2 >= end {
      open.removeFirst(start)
      end -= start
      start = 0
    }
  }

  /// The rank of `allocation` among the open ALLOCs of the window, or nil when it is not one.
  @inline(__always)
  mutating func rank(of allocation: Int) -> Int? {
    trim()
    let target = Int32(truncatingIfNeeded: allocation)
    return open.withUnsafeBufferPointer { open in
      guard start < end, allocation < count else { return nil }
      var base = start
      if end - start <= Self.countedLength {
        // Few open ALLOCs (a program keeping tens of blocks alive): count those below `target`,
        // four at a time without a branch. A binary search's branch on the probe mispredicts half
        // the time (the program frees in any order), and the compiler turns even a masked step
        // back into that branch. The sign of each difference is summed (-1 for each below; indices
        // are below 2^31, so it cannot overflow): a comparison there became a branch too.
        guard let first = open.baseAddress else { return nil }
        var below: Int32 = 0
        var index = start
        while index < end {
          below &+= (first[index] &- target) >> 31
          index &+= 1
        }
        base = start - Int(below)
        guard base < end, open[base] == target else { return nil }
        return end - base
      }
      var length = end - start
      while length > 1 {
        let half = length / 2
        base = open[base + half] < target ? base + half : base
        length -= half
      }
      if open[base] < target { base += 1 }
      guard base < end, open[base] == target else { return nil }
      return end - base
    }
  }

  /// The open ALLOC of that rank within the window, or nil.
  @inline(__always)
  mutating func allocation(ofRank rank: Int) -> Int? {
    trim()
    guard rank >= 1, rank <= end - start else { return nil }
    return Int(open[end - rank])
  }

  /// A FREE_BACK named the open ALLOC of that rank: it is open no more.
  @inline(__always)
  mutating func close(rank: Int) {
    let index = end - rank
    if index - start < rank - 1 {
      // Nearer the oldest end (a program that frees in the order it allocated): the older ones
      // move up one instead of the newer ones down.
      open.withUnsafeMutableBufferPointer { open in
        var position = index
        while position > start {
          open[position] = open[position - 1]
          position -= 1
        }
      }
      start += 1
    } else {
      // The newer ones move down one, in one copy (`remove(at:)` moved them one at a time).
      let moved = end - index - 1
      open.withUnsafeMutableBufferPointer { open in
        guard let first = open.baseAddress, moved > 0 else { return }
        (first + index).update(from: first + index + 1, count: moved)
      }
      end -= 1
    }
  }
}
