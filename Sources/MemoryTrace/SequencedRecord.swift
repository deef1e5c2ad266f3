// Version 3 captures: records written by each thread into chunks of its own, each numbered in the
// capture's global order. The reader decodes a chunk into `SequencedRecord`s and delivers them to
// the visitor in number order (`RecordMerger`), so the visitor sees one stream, as in version 2.

/// A FRAME record waiting for the numbered record it belongs to.
struct PendingFrame {
  var localParent: UInt64
  var delta: Int64
  var offset: Int
}

/// One numbered record of a chunk, decoded but not yet delivered.
struct SequencedRecord {
  enum Body {
    /// `pairedFree`: the old address of the realloc() this ALLOC completes, if its FREE came first.
    case alloc(AllocationKind, address: UInt64, size: UInt64, localStack: UInt64, pairedFree: UInt64?)
    /// `paired`: the FREE of a realloc() whose ALLOC follows; delivered with it.
    case free(DeallocationKind, address: UInt64, paired: Bool)
    case tick(TickEvent)
    case modules([Module])
    case marker(String)
    case command(CaptureCommand)
    case end(UInt64)
  }

  var sequence: UInt64
  var thread: UInt64
  /// The record's offset in the file, for damage reports.
  var offset: Int
  /// FRAME records that precede it in its chunk (nil: none, the common case).
  var frames: [PendingFrame]?
  var body: Body
}

/// The numbered records read but not yet delivered, smallest number first (a binary heap), and the
/// number the merged stream expects next.
///
/// A record is delivered as soon as every smaller number has been: at once when it is the next
/// one (a single thread's records always are), otherwise when the missing ones arrive or a SYNC
/// says they never will (numbers taken by calls that failed, or dropped records).
struct RecordMerger {
  /// The heap orders small (number, slot) pairs; the records stay put in `slots`, so that sifting
  /// moves 16 trivial bytes instead of a record with arrays and strings in it (which made a
  /// capture of 4 threads read 14 times slower than its program ran).
  private var heap: [(sequence: UInt64, slot: Int)] = []
  private var slots: [SequencedRecord?] = []
  private var freeSlots: [Int] = []
  var next: UInt64 = 0
  var deferredFrees: [UInt64: SequencedRecord] = [:]

  /// How many records wait.
  var count: Int { heap.count }
  var isEmpty: Bool { heap.isEmpty }
  var smallest: UInt64? { heap.first?.sequence }

  mutating func push(_ record: SequencedRecord) {
    let slot: Int
    if let free = freeSlots.popLast() {
      slot = free
      slots[slot] = record
    } else {
      slot = slots.count
      slots.append(record)
    }
    heap.append((record.sequence, slot))
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[child].sequence < heap[parent].sequence else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  mutating func pop() -> SequencedRecord? {
    guard !heap.isEmpty else { return nil }
    heap.swapAt(0, heap.count - 1)
    let top = heap.removeLast()
    var parent = 0
    while true {
      let left = 2 * parent + 1
      guard left < heap.count else { break }
      var smaller = left
      if left + 1 < heap.count && heap[left + 1].sequence < heap[left].sequence { smaller = left + 1 }
      guard heap[smaller].sequence < heap[parent].sequence else { break }
      heap.swapAt(smaller, parent)
      parent = smaller
    }
    let record = slots[top.slot].take()
    freeSlots.append(top.slot)
    return record
  }
}

struct RecentAllocations {
  private var addresses: [UInt64] = []
  /// ALLOC records of the stream so far.
  private(set) var count = 0

  mutating func append(_ address: UInt64) {
    let capacity = addresses.count
    if count == capacity {
      if capacity < CaptureFormat.freeBackLimit {
        // Grow, keeping every address at index (its number) mod capacity.
        var grown = [UInt64](repeating: 0, count: max(64, capacity * 2))
        for number in max(0, count - capacity)..<count {
          grown[number & (grown.count - 1)] = addresses[number & (capacity - 1)]
        }
        addresses = grown
      }
    }
    addresses[count & (addresses.count - 1)] = address
    count += 1
  }

  /// The address of the ALLOC `distance` records back (1: the latest), or nil if out of reach.
  func address(back distance: UInt64) -> UInt64? {
    guard distance >= 1, distance <= UInt64(min(count, addresses.count)) else { return nil }
    return addresses[(count - Int(distance)) & (addresses.count - 1)]
  }
}
