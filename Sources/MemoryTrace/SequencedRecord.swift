// Captures of versions 3 to 6: records written by each thread into chunks of its own, each keyed in
// the capture's global order. The reader decodes a chunk into `SequencedRecord`s and delivers them
// to the visitor in key order (`RecordMerger`), so the visitor sees one stream, as in version 2.
// Version 6's clock keys are only nearly the program's order across threads: a record that would
// break the order's rules waits (`BlockedThread`, docs/capture-format.md "Chunks and numbers").

/// A FRAME record waiting for the numbered record it belongs to.
struct PendingFrame {
  var localParent: UInt64
  var delta: Int64
  var offset: Int
}

/// One numbered record of a chunk, decoded but not yet delivered.
///
/// It holds no reference (no array, no string), so that holding it back, sifting it and handing it
/// on copy plain bytes: its FRAMEs wait in the merger's ``RecordMerger/pendingFrames``, a rare
/// record's body in the decoder's ``SequencedExtra`` table.
struct SequencedRecord {
  enum Body {
    /// `pairedFree`: the old address of the realloc() this ALLOC completes, if its FREE came first.
    case alloc(AllocationKind, address: UInt64, size: UInt64, localStack: UInt64, pairedFree: UInt64?)
    /// `paired`: the FREE of a realloc() whose ALLOC follows; delivered with it.
    case free(DeallocationKind, address: UInt64, paired: Bool)
    /// A realloc() keyed by the clock: its FREE of `old` and its ALLOC, one record at the ALLOC's
    /// key, delivered together (both or neither: a pair is never split by a wait).
    case realloc(AllocationKind, old: UInt64, address: UInt64, size: UInt64, localStack: UInt64)
    /// A rare record (TICK, MODULES, MARKER, COMMAND, END): its body is in its extra.
    case rare
  }

  var sequence: UInt64
  var thread: UInt64
  /// The record's offset in the file, for damage reports.
  var offset: Int
  var body: Body
  /// The FRAMEs before it in its chunk: `frameCount` entries of the merger's pending frames from
  /// `frameStart` (none, the common case, is a count of 0).
  var frameStart: UInt32 = 0
  var frameCount: UInt32 = 0
  /// Its entry in the decoder's table of extras (a rare body), or -1: none, the common case.
  /// (32 bits, so that the record is no larger than before its FRAMEs moved out: 80 bytes.)
  var extra: Int32
}

/// The body of a rare numbered record.
enum RareBody {
  case tick(TickEvent)
  case modules([Module])
  case marker(String)
  case command(CaptureCommand)
  case end(UInt64)
}

/// What a held rare record carries besides its plain fields.
struct SequencedExtra {
  var rare: RareBody?
}

/// The numbered records read but not yet delivered, and the number the merged stream expects next.
///
/// A record is delivered as soon as every smaller number has been: at once when it is the next
/// one (a single thread's records always are), otherwise when the missing ones arrive or a SYNC
/// says they never will (numbers taken by calls that failed, or dropped records).
///
/// Records held back are kept as runs: the records of one chunk come in rising numbers (a thread
/// numbers its records in the order it writes them), so once one of them must wait, the rest of the
/// chunk waits behind it in a run, an array in the chunk's order. A binary heap orders the runs by
/// their first number. Delivering a record is then a step along a run and a sift through a heap
/// of a few runs (about one per thread and flush), where a heap of every held record cost two
/// sifts through hundreds of thousands of entries per record: `workshop run` of 8 threads spent
/// most of its time there.
struct RecordMerger {
  /// One run of held records, rising, from `start` on (the ones before were delivered).
  private struct Run {
    var records: [SequencedRecord]
    var start = 0
    var head: UInt64 { records[start].sequence }
  }

  /// The runs, by the number of their first record not yet delivered, and at equal numbers (clock
  /// keys repeat) in the order they were sealed: a thread's chunks are in the file in its order.
  private var heap: [(sequence: UInt64, serial: UInt64, slot: Int)] = []
  private var sealed: UInt64 = 0
  private var slots: [Run?] = []
  private var freeSlots: [Int] = []
  /// The run being gathered from the chunk being decoded; ``seal()`` puts it in the heap.
  private var open: [SequencedRecord] = []
  /// Arrays of runs delivered, kept for the runs to come: a run starts with room for a whole
  /// chunk (megabytes for a busy thread's), and fresh memory each time cost page faults, a seventh
  /// of `stats` on two threads. Emptied only when taken, since a run just delivered may still be
  /// read through the slice ``popRun(below:)`` returned.
  private var spareRuns: [[SequencedRecord]] = []
  private(set) var count = 0
  /// About how many records the chunk being decoded holds: a run starts with room for them, so
  /// that gathering it does not copy it over and over as it grows.
  var runCapacityHint = 16
  var next: UInt64 = 0
  var deferredFrees: [UInt64: SequencedRecord] = [:]
  /// The FRAMEs of the records decoded and not yet delivered, in the order they were read; each
  /// record names its own by range. One flat array instead of one per record: it empties (keeping
  /// its room) whenever no record that has FRAMEs waits, which between bursts of new stacks is
  /// nearly always.
  var pendingFrames: [PendingFrame] = []
  /// Records whose FRAMEs are in ``pendingFrames`` and not yet delivered.
  var recordsWithFrames = 0
  /// Whether a clock-keyed record was delivered since the start or the last EXEC. Every counter
  /// key comes before every clock key, so a capture (or a program) that never had its threads
  /// contend keeps no set of live addresses at all; from the first clock key on, ``live`` holds
  /// the blocks allocated since then and still live.
  var clockKeyed = false
  /// The blocks allocated by the delivered records since ``clockKeyed`` was set and still live: a
  /// clock-keyed record is checked against it.
  var live = LiveAddressSet()
  /// Threads whose clock-keyed records wait for a rule to hold (few, and rarely any).
  var blocked: [BlockedThread] = []

  var isEmpty: Bool { count == 0 }
  /// The smallest number held in a sealed run.
  var smallest: UInt64? { heap.first?.sequence }

  /// Holds `record` back: it joins the run being gathered when it rises from that run's last
  /// record, or starts a new one.
  mutating func push(_ record: SequencedRecord) {
    // Counter numbers rise within a run; clock keys may repeat (a thread's keys never fall).
    if let last = open.last,
      record.sequence < last.sequence
        || (record.sequence == last.sequence && record.sequence < CaptureFormat.clockKeyBase)
    {
      seal()
    }
    if open.isEmpty && open.capacity < runCapacityHint {
      // The smallest spare that holds the chunk, else the roomiest: chunks differ in size (the
      // sampler's flushes take part-filled buffers), and a big array spent on a small run would
      // leave the next big one to fresh memory.
      let fitting = spareRuns.indices.filter { spareRuns[$0].capacity >= runCapacityHint }
      let chosen =
        fitting.min(by: { spareRuns[$0].capacity < spareRuns[$1].capacity })
        ?? spareRuns.indices.max(by: { spareRuns[$0].capacity < spareRuns[$1].capacity })
      if let chosen {
        var spare = spareRuns.remove(at: chosen)
        spare.removeAll(keepingCapacity: true)
        open = spare
      }
      if open.capacity < runCapacityHint {
        // Rounded up to a power of two, so that a run's array fits most later chunks as a spare.
        open.reserveCapacity(1 << (Int.bitWidth - (runCapacityHint - 1).leadingZeroBitCount))
      }
    }
    open.append(record)
    count += 1
  }

  /// Ends the run being gathered (at the end of a chunk): its records wait in the heap.
  mutating func seal() {
    guard !open.isEmpty else { return }
    let run = Run(records: open)
    open = []
    let slot: Int
    if let free = freeSlots.popLast() {
      slot = free
      slots[slot] = run
    } else {
      slot = slots.count
      slots.append(run)
    }
    heap.append((run.head, sealed, slot))
    sealed += 1
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard Self.precedes(heap[child], heap[parent]) else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  /// Whether a record not yet delivered, of a thread other than `thread` and keyed at most
  /// `limit`, allocates `address` (an ALLOC, or a realloc's new block): the clock-keyed FREE of a
  /// block not live then waits for it. Held runs and waiting threads are in rising keys, so each
  /// is read only as far as `limit`; a few records each, within the keys' skew.
  func holdsAllocation(of address: UInt64, besides thread: UInt64, keyedUpTo limit: UInt64) -> Bool {
    func allocates(_ record: SequencedRecord) -> Bool {
      guard record.thread != thread else { return false }
      switch record.body {
      case .alloc(_, let allocated, _, _, _), .realloc(_, _, let allocated, _, _): return allocated == address
      case .free, .rare: return false
      }
    }
    for entry in heap {
      let run = slots[entry.slot]!
      for index in run.start..<run.records.count {
        guard run.records[index].sequence <= limit else { break }
        if allocates(run.records[index]) { return true }
      }
    }
    for waiting in blocked {
      for index in waiting.start..<waiting.records.count {
        guard waiting.records[index].sequence <= limit else { break }
        if allocates(waiting.records[index]) { return true }
      }
    }
    return false
  }

  private static func precedes(
    _ left: (sequence: UInt64, serial: UInt64, slot: Int), _ right: (sequence: UInt64, serial: UInt64, slot: Int)
  ) -> Bool {
    left.sequence < right.sequence || (left.sequence == right.sequence && left.serial < right.serial)
  }

  /// Takes the held record with the smallest number (of the sealed runs).
  mutating func pop() -> SequencedRecord? {
    guard let top = heap.first else { return nil }
    let record = slots[top.slot]!.records[slots[top.slot]!.start]
    advanceTop(by: 1)
    return record
  }

  /// Takes, in one step, the records of the run with the smallest number that come before every
  /// other run's first record and below `limit` (at least the first, if it is below `limit`).
  /// Threads whose chunks do not overlap in time (the usual case on a busy machine) then cost one
  /// heap step per run instead of one per record.
  mutating func popRun(below limit: UInt64) -> ArraySlice<SequencedRecord> {
    guard let top = heap.first, top.sequence < limit else { return [] }
    var bound = (sequence: limit, serial: UInt64(0), slot: 0)  // below `limit`, never at it
    for child in 1...2 where child < heap.count && Self.precedes(heap[child], bound) { bound = heap[child] }
    let run = slots[top.slot]!
    var end = run.start + 1
    while end < run.records.count && Self.precedes((run.records[end].sequence, top.serial, top.slot), bound) {
      end += 1
    }
    advanceTop(by: end - run.start)
    return run.records[run.start..<end]
  }

  /// After taking `taken` records from the run at the top: the run's new first record, or the run
  /// gone, sifted to its place.
  private mutating func advanceTop(by taken: Int) {
    let top = heap[0]
    slots[top.slot]!.start += taken
    count -= taken
    if slots[top.slot]!.start < slots[top.slot]!.records.count {
      heap[0].sequence = slots[top.slot]!.head
    } else {
      if spareRuns.count < 8 { spareRuns.append(slots[top.slot]!.records) }
      slots[top.slot] = nil
      freeSlots.append(top.slot)
      heap.swapAt(0, heap.count - 1)
      heap.removeLast()
    }
    var parent = 0
    while true {
      let left = 2 * parent + 1
      guard left < heap.count else { break }
      var smaller = left
      if left + 1 < heap.count && Self.precedes(heap[left + 1], heap[left]) { smaller = left + 1 }
      guard Self.precedes(heap[smaller], heap[parent]) else { break }
      heap.swapAt(smaller, parent)
      parent = smaller
    }
  }
}

/// A thread whose next clock-keyed record would break a rule of the order (a FREE of a block not
/// live, an ALLOC of an address live, a stack naming a node not yet defined), and its records
/// after it: they wait, in the thread's order, while the other threads' records are delivered.
struct BlockedThread {
  var thread: UInt64
  var records: [SequencedRecord]
  var start = 0
  var head: SequencedRecord { records[start] }
  var isEmpty: Bool { start == records.count }
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
