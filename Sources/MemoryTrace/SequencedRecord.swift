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
///
/// It holds no reference (no array, no string), so that holding it back, sifting it and handing it
/// on copy plain bytes: its FRAMEs wait in the merger's ``RecordMerger/pendingFrames``, a rare
/// record's body in the decoder's table of extras.
struct SequencedRecord {
  enum Body {
    /// `pairedFree`: the old address of the realloc() this ALLOC completes, if its FREE came first.
    case alloc(AllocationKind, address: UInt64, size: UInt64, localStack: UInt64, pairedFree: UInt64?)
    /// `paired`: the FREE of a realloc() whose ALLOC follows; delivered with it.
    case free(DeallocationKind, address: UInt64, paired: Bool)
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
  /// Its entry in the decoder's table of rare bodies, or -1: none, the common case. (32 bits, so
  /// that the record is no larger with its FRAME range: 80 bytes.)
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
  /// One run of held records, rising, from `start` to `end` (the ones before `start` were
  /// delivered), in memory of its own, freed once the run is delivered.
  private struct Run {
    var records: UnsafeMutablePointer<SequencedRecord>
    var capacity: Int
    var start = 0
    var end = 0
  }

  /// Owns the runs' memory: a merger is a value inside the decoder, and raw memory needs an owner
  /// that frees it once. The merger keeps the same pointers in fields of its own, so that the
  /// path of every record reads no class property (no exclusivity check, no retain). So a copy of a
  /// merger shares its memory: only one of the two may be changed afterwards (the decoder never
  /// copies its merger).
  private final class Memory {
    var slots: UnsafeMutablePointer<Run>
    var heap: UnsafeMutablePointer<(sequence: UInt64, slot: Int)>
    var slotCount = 0

    init(capacity: Int) {
      slots = .allocate(capacity: capacity)
      heap = .allocate(capacity: capacity)
    }

    deinit {
      for slot in 0..<slotCount where slots[slot].capacity > 0 { slots[slot].records.deallocate() }
      slots.deallocate()
      heap.deallocate()
    }
  }

  private let memory = Memory(capacity: 16)
  /// Every run's slot, in use or not: `slotCount` of `slotCapacity`. A slot not in use (listed in
  /// `freeSlots`) holds no memory. (Keeping each slot's memory for the runs to come cost more page
  /// faults than it saved: chunks differ in size, and malloc reuses freed runs' memory anyway.)
  private var slots: UnsafeMutablePointer<Run>
  private var slotCount = 0
  private var slotCapacity = 16
  private var freeSlots: [Int] = []
  /// The sealed runs, a binary heap by the number of their first record not yet delivered.
  private var heap: UnsafeMutablePointer<(sequence: UInt64, slot: Int)>
  private var heapCount = 0
  /// The slot of the run being gathered from the chunk being decoded, or -1; ``seal()`` puts it in
  /// the heap.
  private var openSlot = -1
  private(set) var count = 0
  /// About how many records the chunk being decoded holds: a run starts with room for them, so
  /// that gathering it does not copy it over and over as it grows.
  var runCapacityHint = 16
  var next: UInt64 = 0
  var deferredFrees: [UInt64: SequencedRecord] = [:]
  /// The FRAMEs of the records decoded and not yet delivered, in the order they were read; each
  /// record names its own by range. One flat array instead of one per record (an array built per
  /// FRAME and a dictionary entry per record with FRAMEs were a fifth of reading a tree's
  /// capture): it empties, keeping its room, whenever no record with FRAMEs waits, which between
  /// bursts of new stacks is nearly always.
  var pendingFrames: [PendingFrame] = []
  /// Records whose FRAMEs are in ``pendingFrames`` and not yet delivered.
  var recordsWithFrames = 0

  init() {
    slots = memory.slots
    heap = memory.heap
  }

  var isEmpty: Bool { count == 0 }
  /// The smallest number held in a sealed run.
  var smallest: UInt64? { heapCount > 0 ? heap[0].sequence : nil }

  /// Holds `record` back: it joins the run being gathered when it rises from that run's last
  /// record, or starts a new one.
  mutating func push(_ record: SequencedRecord) {
    if openSlot >= 0 {
      let run = slots + openSlot
      if record.sequence <= run.pointee.records[run.pointee.end - 1].sequence {
        seal()
      } else if run.pointee.end == run.pointee.capacity {
        grow(run, to: run.pointee.capacity * 2)
      }
    }
    if openSlot < 0 { openRun() }
    let run = slots + openSlot
    (run.pointee.records + run.pointee.end).initialize(to: record)
    run.pointee.end += 1
    count += 1
  }

  /// Starts gathering a run in a free slot (or a new one) with room for ``runCapacityHint`` records.
  private mutating func openRun() {
    let wanted = max(runCapacityHint, 16)
    if let free = freeSlots.popLast() {
      openSlot = free
      slots[free] = Run(records: .allocate(capacity: wanted), capacity: wanted)
      return
    }
    if slotCount == slotCapacity {
      // A slot is a run in the heap or free: both tables grow together.
      let capacity = slotCapacity * 2
      let grownSlots = UnsafeMutablePointer<Run>.allocate(capacity: capacity)
      grownSlots.moveInitialize(from: slots, count: slotCount)
      slots.deallocate()
      let grownHeap = UnsafeMutablePointer<(sequence: UInt64, slot: Int)>.allocate(capacity: capacity)
      grownHeap.moveInitialize(from: heap, count: heapCount)
      heap.deallocate()
      slots = grownSlots
      heap = grownHeap
      slotCapacity = capacity
      memory.slots = grownSlots
      memory.heap = grownHeap
    }
    (slots + slotCount).initialize(to: Run(records: .allocate(capacity: wanted), capacity: wanted))
    openSlot = slotCount
    slotCount += 1
    memory.slotCount = slotCount
  }

  /// Moves a run's records to memory with room for `capacity`.
  private func grow(_ run: UnsafeMutablePointer<Run>, to capacity: Int) {
    let records = UnsafeMutablePointer<SequencedRecord>.allocate(capacity: capacity)
    records.moveInitialize(from: run.pointee.records + run.pointee.start, count: run.pointee.end - run.pointee.start)
    run.pointee.records.deallocate()
    run.pointee.end -= run.pointee.start
    run.pointee.start = 0
    run.pointee.records = records
    run.pointee.capacity = capacity
  }

  /// Ends the run being gathered (at the end of a chunk): its records wait in the heap.
  mutating func seal() {
    guard openSlot >= 0 else { return }
    let slot = openSlot
    openSlot = -1
    heap[heapCount] = (slots[slot].records[0].sequence, slot)
    var child = heapCount
    heapCount += 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[child].sequence < heap[parent].sequence else { break }
      swap(&heap[child], &heap[parent])
      child = parent
    }
  }

  /// Takes the held record with the smallest number (of the sealed runs).
  mutating func pop() -> SequencedRecord? {
    guard heapCount > 0 else { return nil }
    let slot = heap[0].slot
    let run = slots + slot
    let record = (run.pointee.records + run.pointee.start).move()
    run.pointee.start += 1
    count -= 1
    if run.pointee.start < run.pointee.end {
      heap[0].sequence = run.pointee.records[run.pointee.start].sequence
    } else {
      run.pointee.records.deallocate()
      run.pointee.capacity = 0
      freeSlots.append(slot)
      heapCount -= 1
      heap[0] = heap[heapCount]
    }
    var parent = 0
    while true {
      let left = 2 * parent + 1
      guard left < heapCount else { break }
      var smaller = left
      if left + 1 < heapCount && heap[left + 1].sequence < heap[left].sequence { smaller = left + 1 }
      guard heap[smaller].sequence < heap[parent].sequence else { break }
      swap(&heap[smaller], &heap[parent])
      parent = smaller
    }
    return record
  }
}

/// A stream's latest ALLOC addresses, for its FREE_BACK records: a ring of up to
/// ``CaptureFormat/freeBackLimit`` addresses, each at index (its number) mod the ring's size.
///
/// The ring is raw memory, so that an ALLOC stores its address with no uniqueness check or
/// bounds check (an array's were 5 % of reading the churn's capture). A copy shares the ring: the
/// decoder keeps one value per stream and only lends it out to be read (``ChunkUnpacker``).
struct RecentAllocations {
  /// Frees the ring once no value names it.
  private final class Owner {
    var addresses: UnsafeMutablePointer<UInt64>?
    deinit { addresses?.deallocate() }
  }

  private var owner = Owner()
  private var addresses: UnsafeMutablePointer<UInt64>? = nil
  /// The ring's size minus one (its size is a power of two), or -1 before the first ALLOC.
  private var mask = -1
  /// ALLOC records of the stream so far.
  private(set) var count = 0

  @inline(__always)
  mutating func append(_ address: UInt64) {
    if count > mask && mask + 1 < CaptureFormat.freeBackLimit { grow() }
    addresses.unsafelyUnwrapped[count & mask] = address
    count += 1
  }

  /// Doubles the ring (64 places at first), keeping every address at index (its number) mod size.
  private mutating func grow() {
    let capacity = max(64, (mask + 1) * 2)
    let grown = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
    if let old = addresses {
      for number in max(0, count - (mask + 1))..<count { grown[number & (capacity - 1)] = old[number & mask] }
      old.deallocate()
    }
    addresses = grown
    owner.addresses = grown
    mask = capacity - 1
  }

  /// The address of the ALLOC `distance` records back (1: the latest), or nil if out of reach.
  @inline(__always)
  func address(back distance: UInt64) -> UInt64? {
    guard distance >= 1, distance <= UInt64(min(count, mask + 1)) else { return nil }
    return addresses.unsafelyUnwrapped[(count - Int(distance)) & mask]
  }
}
