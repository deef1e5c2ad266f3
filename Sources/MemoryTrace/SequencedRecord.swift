// Version 3 captures: records written by each thread into chunks of its own, each numbered in the
// capture's global order. The reader decodes a chunk into `SequencedRecord`s and delivers them to
// the visitor in number order (`RecordMerger`), so the visitor sees one stream, as in version 2.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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

/// The counter-keyed records read but not yet delivered, and the number the merged stream expects
/// next.
///
/// A record is delivered as soon as every smaller number has been: at once when it is the next
/// one (a single thread's records always are), otherwise when the missing ones arrive or a SYNC
/// says they never will (numbers taken by calls that failed, or dropped records).
///
/// Records held back stay in their chunks' bytes (``HeldStreams``): a stream's records come in
/// rising numbers (a thread numbers its records in the order it writes them), so once one of them
/// must wait, the rest of the stream waits behind it. A binary heap orders the held streams by the
/// number of their next record, decoded. Delivering a record is then a sift through a heap of a
/// few streams and the decoding of the stream's next record.
struct RecordMerger {
  /// The held streams whose next record is counter-keyed, a binary heap by that record's number.
  private var heap: [(sequence: UInt64, slot: Int)] = []
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

  var isEmpty: Bool { heap.isEmpty }
  /// The smallest number of a held stream's next record. (Kept beside the heap: the chunk loop
  /// reads it after every record it delivers, and the heap's first entry is a load further.)
  private(set) var smallest: UInt64?
  /// The slot of the held stream whose next record has the smallest number.
  var smallestSlot: Int { heap[0].slot }

  /// A held stream whose next record, numbered `sequence`, waits.
  mutating func push(_ slot: Int, sequence: UInt64) {
    heap.append((sequence, slot))
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[child].sequence < heap[parent].sequence else { break }
      heap.swapAt(child, parent)
      child = parent
    }
    smallest = heap[0].sequence
  }

  /// The stream at the top has a new next record, numbered `sequence`.
  mutating func replaceSmallest(with sequence: UInt64) {
    heap[0].sequence = sequence
    siftDown()
    smallest = heap[0].sequence
  }

  /// The stream at the top leaves the heap (it holds nothing more, or its next record is clock-keyed).
  mutating func removeSmallest() {
    let last = heap.removeLast()
    guard !heap.isEmpty else {
      smallest = nil
      return
    }
    heap[0] = last
    siftDown()
    smallest = heap[0].sequence
  }

  private mutating func siftDown() {
    let count = heap.count
    var parent = 0
    while true {
      let left = 2 * parent + 1
      guard left < count else { break }
      var smaller = left
      if left + 1 < count && heap[left + 1].sequence < heap[left].sequence { smaller = left + 1 }
      guard heap[smaller].sequence < heap[parent].sequence else { break }
      heap.swapAt(smaller, parent)
      parent = smaller
    }
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
    /// From malloc, or mapped (`mappedBytes` of them).
    var addresses: UnsafeMutablePointer<UInt64>?
    var mappedBytes = 0

    deinit {
      if mappedBytes > 0 {
        munmap(addresses, mappedBytes)
      } else {
        free(addresses)
      }
    }
  }

  private var owner = Owner()
  private var addresses: UnsafeMutablePointer<UInt64>? = nil
  /// The ring's size minus one (its size is a power of two), or -1 before the first ALLOC.
  private var mask = -1
  /// The count at which the ring grows, or has more of its pages filled in (``grow()``); -1 once
  /// it never will again (at its limit, or filled in to its end).
  private var growAt = 0
  /// ALLOC records of the stream so far.
  private(set) var count = 0

  /// Places from which a ring is mapped at its full size, ``CaptureFormat/freeBackLimit`` places
  /// (8 MiB), its pages filled in ``populatedPlaces`` at a time as it fills. Doubling it to that
  /// size wrote 16 MiB of fresh pages per thread, a page fault each (with the copies, 8 % of
  /// reading a 4-thread capture): now 8 MiB, which the kernel fills in a MiB at a time. The cost: a
  /// stream just past 32 Ki ALLOCs holds 1 MiB of filled pages where a doubled ring held 512 KiB.
  static let mappedFrom = 1 << 16
  /// How many places of a mapped ring are filled in at a time (1 MiB).
  static let populatedPlaces = 1 << 17
  /// Whether a ring past ``mappedFrom`` places may be mapped; false: it doubles with malloc, as
  /// when mmap fails. The tests' way to that fallback: nothing else turns mapping off. Task-local
  /// (read as a ring grows), so that a test which turns it off changes no other test's rings.
  @TaskLocal static var mappingAllowed = true
  #if os(Linux)
    /// `MADV_POPULATE_WRITE` (Linux 5.14; Glibc's module does not name it): the kernel fills the
    /// pages in at once, writable, instead of a fault per page.
    private static var populateWrite: Int32 { 23 }
  #endif

  @inline(__always)
  mutating func append(_ address: UInt64) {
    if count == growAt { grow() }
    addresses.unsafelyUnwrapped[count & mask] = address
    count += 1
  }

  /// Doubles the ring (64 places at first), or maps it at its full size, keeping every address at
  /// index (its number) mod size; or fills in more pages of a mapped ring. The ring grows only
  /// when full and below its limit, so it has never wrapped: every address is at its number.
  private mutating func grow() {
    let limit = CaptureFormat.freeBackLimit
    if owner.mappedBytes > 0 {
      populate(from: count)
      return
    }
    let capacity = max(64, (mask + 1) * 2)
    if capacity >= Self.mappedFrom && capacity < limit && Self.mappingAllowed,
      let region = mmap(
        nil, limit * MemoryLayout<UInt64>.stride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
        -1, 0),
      region != MAP_FAILED
    {
      let ring = region.assumingMemoryBound(to: UInt64.self)
      addresses = ring
      owner.mappedBytes = limit * MemoryLayout<UInt64>.stride
      mask = limit - 1
      populate(from: 0)
      if let old = owner.addresses { ring.update(from: old, count: count) }
      free(owner.addresses)
      owner.addresses = ring
      return
    }
    guard let memory = malloc(capacity * MemoryLayout<UInt64>.stride) else {
      fatalError("no memory for a ring of \(capacity) addresses")
    }
    let grown = memory.assumingMemoryBound(to: UInt64.self)
    if let old = addresses { grown.update(from: old, count: count) }
    free(owner.addresses)
    addresses = grown
    owner.addresses = grown
    mask = capacity - 1
    growAt = capacity < limit ? capacity : -1
  }

  /// Has the kernel fill in the mapped ring's pages from place `start` to the count's next
  /// multiple of ``populatedPlaces`` (at once, not a fault per page; a kernel before Linux 5.14
  /// refuses, and they fault in one by one).
  private mutating func populate(from start: Int) {
    let end = min((count / Self.populatedPlaces + 1) * Self.populatedPlaces, mask + 1)
    let stride = MemoryLayout<UInt64>.stride
    #if os(Linux)
      // A refusal (an older kernel, no memory to fill in now) is harmless: the pages fault in as written.
      _ = madvise(
        UnsafeMutableRawPointer(addresses.unsafelyUnwrapped + start), (end - start) * stride, Self.populateWrite)
    #endif
    // Past the last page the ring wraps: nothing more to fill in.
    growAt = end == mask + 1 ? -1 : end
  }

  /// The address of the ALLOC `distance` records back (1: the latest), or nil if out of reach.
  @inline(__always)
  func address(back distance: UInt64) -> UInt64? {
    guard distance >= 1, distance <= UInt64(min(count, mask + 1)) else { return nil }
    return addresses.unsafelyUnwrapped[(count - Int(distance)) & mask]
  }
}
