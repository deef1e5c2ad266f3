// A FREE_BACK names its ALLOC by how many ALLOCs back it is; in a program that keeps n blocks alive
// and frees them in any order, that distance runs far past n (the random churn's 64 live blocks:
// 7.5 bits a FREE_BACK). Counting only the ALLOCs still open (not yet named by a FREE_BACK) makes it
// a number below n (6 bits there). Both sides of a packed chunk keep the count, within the chunk.

/// The ALLOCs of one chunk, and which of them no FREE_BACK of the chunk has named yet, so that a
/// FREE_BACK can name one of the latest ``window`` ALLOCs by its rank among the open ones: a bit
/// per ALLOC, counted a word at a time (at most ``window`` / 64 words an operation).
struct OpenAllocations {
  /// How far back a rank reaches; a FREE_BACK further back keeps its distance.
  static let window = 4096
  private var words: [UInt64] = []
  /// ALLOCs appended.
  private(set) var count = 0

  /// Empties the set for a chunk of at most `allocations` ALLOCs.
  mutating func reset(allocations: Int) {
    let needed = allocations / 64 + 1
    if words.count < needed {
      words = [UInt64](repeating: 0, count: needed)
    } else {
      for index in 0..<min(words.count, count / 64 + 1) { words[index] = 0 }
    }
    count = 0
  }

  /// The chunk's next ALLOC, open; false when there is no room (more ALLOCs than declared).
  @inline(__always)
  mutating func append() -> Bool {
    guard count / 64 < words.count else { return false }
    words[count >> 6] |= 1 << UInt64(count & 63)
    count += 1
    return true
  }

  /// The rank of an open ALLOC within the window: 1 for the latest open one, 2 for the one
  /// before, and so on; nil when it is not open or lies beyond the window.
  @inline(__always)
  func rank(of allocation: Int) -> Int? {
    guard allocation >= 0, count - allocation <= Self.window, words[allocation >> 6] >> UInt64(allocation & 63) & 1 != 0
    else { return nil }
    // Open ALLOCs after it: in its own word above its bit, then in every later word.
    var after = ((words[allocation >> 6] >> UInt64(allocation & 63)) >> 1).nonzeroBitCount
    var word = (allocation >> 6) + 1
    let last = (count - 1) >> 6
    while word <= last {
      after += words[word].nonzeroBitCount
      word += 1
    }
    return after + 1
  }

  /// The open ALLOC of that rank within the window, or nil.
  @inline(__always)
  func allocation(ofRank rank: Int) -> Int? {
    guard rank >= 1, count > 0 else { return nil }
    let first = max(0, count - Self.window)
    var remaining = rank
    var word = (count - 1) >> 6
    while word >= first >> 6 {
      var bits = words[word]
      if word == first >> 6 { bits &= ~0 << UInt64(first & 63) }
      let here = bits.nonzeroBitCount
      if remaining <= here {
        // The remaining-th set bit from the top of this word.
        for _ in 1..<remaining { bits &= ~(1 << UInt64(63 - bits.leadingZeroBitCount)) }
        return (word << 6) + 63 - bits.leadingZeroBitCount
      }
      remaining -= here
      word -= 1
    }
    return nil
  }

  /// A FREE_BACK named the ALLOC: it is open no more.
  @inline(__always)
  mutating func close(_ allocation: Int) {
    words[allocation >> 6] &= ~(1 << UInt64(allocation & 63))
  }
}
