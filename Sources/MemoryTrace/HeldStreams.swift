// Version 3 captures: the chunks whose records cannot be delivered as they are read, held as bytes
// and decoded one record at a time, in the merged order (docs/capture-format.md, "Merging").

/// Where a chunk's decoding stands between two of its numbered records.
struct ChunkDecoding {
  var sequence: UInt64 = 0
  var address: UInt64 = 0
  var thread: UInt64
  /// Version 6: the stripe numbers the chunk's records are written against.
  var stripes = ChunkStripes()

  init(thread: UInt64) { self.thread = thread }
}

/// A chunk's bytes copied out of the reader's buffer (which is reused), from where decoding stopped.
struct HeldChunk {
  var bytes: UnsafeMutableRawPointer
  var end: Int
  var position = 0
  /// The file offset a record at `position` 0 would have: records are named by file offset.
  var recordBase: Int
  /// A COLUMNS record's offset, where every damage of its records is reported; -1 for a CHUNK.
  var damageOffset = -1
  var thread: UInt64
  /// A COLUMNS body still packed (it waited behind an earlier chunk of its stream, whose
  /// allocations its unpacking needs): the length of its records once unpacked; -1 when plain.
  var unpackedLength = -1
  /// The chunk's place among the file's chunks (the clock merge's order among equal keys).
  var number: UInt64 = 0

  /// What a held chunk counts for beyond its bytes, against the reader's bound.
  static let overhead = 64
  /// What the chunk counts for against the reader's bound.
  var heldBytes: Int { end + Self.overhead }

  /// Copies `count` bytes from `source`.
  init(copying source: UnsafeRawPointer, count: Int, recordBase: Int, thread: UInt64) {
    bytes = .allocate(byteCount: max(count, 1), alignment: 16)
    bytes.copyMemory(from: source, byteCount: count)
    end = count
    self.recordBase = recordBase
    self.thread = thread
  }

  func deallocate() { bytes.deallocate() }

  /// Where a damage at `position` (relative to `bytes`) is in the file.
  func fileOffset(of position: Int) -> Int { damageOffset >= 0 ? damageOffset : recordBase + position }
}

/// A stream whose records wait: the rest of one chunk being decoded a record at a time, and the
/// stream's later chunks, as bytes. Its next record (`head`) waits in one of the merges: the
/// counter-keyed ones' (``RecordMerger``) or the clock-keyed ones' (``ClockKeyedMerge``).
///
/// Held records cost their bytes (3-5 a record), not the 80 of a decoded record: a thread preempted
/// while it holds its buffer keeps every other thread's records waiting, millions of them with 8
/// threads on 2 cores.
struct HeldStream {
  /// What holding a stream costs beyond its chunks, against the reader's bound: its slot (the slots'
  /// array doubles as it grows), its allocations' ring (512 bytes once it allocates), and its entries
  /// in the table of streams and the merge's heap. A crafted file of two million streams holding one
  /// record each was counted at 140 MB and took 2.5 GB.
  static let overhead = 2 * MemoryLayout<HeldStream>.stride + 640

  // The fields every record of the stream reads first, together (a slot spans 7 cache lines, and
  // the visitor's tables evict them between two records of a stream).
  /// The next record of the stream, decoded.
  var head: SequencedRecord
  var headStripe: StripeNumber
  // The clock merge's state of the head.
  /// It defines nodes or is a MODULES (delivered in key order among those).
  var headStacked = false
  var parked = false
  var orderKnown = false
  /// Whether `pending` holds a record (read instead of it on every record).
  var hasPending = false
  /// Among equal keys, the head's thread's place: the thread whose first clock-keyed record was
  /// read first goes first (``ClockKeyedMerge``).
  var order: UInt64 = 0
  /// The thread `order` is the place of.
  var orderThread: UInt64 = 0
  /// Records decoded ahead, from `decodedHead` to `decodedCount` (the count of `decoded`).
  var decodedHead = 0
  var decodedCount = 0
  var chunk: HeldChunk
  var decoding: ChunkDecoding
  /// The stream's latest allocations, for its FREE_BACK records: advanced as its records are
  /// decoded, so a stream's chunks are decoded in file order, each after the one before.
  var recent: RecentAllocations

  var stream: UInt64
  /// Chunks of the stream read after `chunk`, in file order, from `queuedHead` on.
  var queued: [HeldChunk] = []
  var queuedHead = 0
  /// A record decoded after the head to pair a realloc()'s FREE with its ALLOC, not yet the head
  /// (set with `hasPending`).
  var pending: (record: SequencedRecord, stripe: StripeNumber, stacked: Bool)?
  /// Bytes held for the stream (its chunks' copies), counted against the reader's bound.
  var byteCount: Int
  /// Records decoded ahead, from `decodedHead` on, before the bytes (only a stream whose chunks
  /// came out of their order: ``RecordDecoder/detachOutOfOrder(_:)``).
  var decoded: [(record: SequencedRecord, stripe: StripeNumber, stacked: Bool)] = []
  /// Whether the stream's next chunks queue here and its allocations are here: false once its
  /// records were all decoded ahead and a later chunk of it went on without them.
  var ownsStream = true
  /// No record keyed below this defines nodes among the stream's records after the head (a bound
  /// found by ``holdsNodeDefiningRecord(below:)``, kept while it holds).
  var clearBelow: UInt64 = 0

  /// Frees the bytes of its chunk and of those queued behind it.
  func deallocateChunks() {
    chunk.deallocate()
    for index in queuedHead..<queued.count { queued[index].deallocate() }
  }

  /// Whether a record after the head, keyed below `key`, defines nodes or is a MODULES: its bytes
  /// are read ahead without decoding them (rare: only when a node-defining head meets a parked
  /// stream keyed below it). A queued COLUMNS body cannot be read ahead and counts as holding one.
  mutating func holdsNodeDefiningRecord(below key: UInt64) -> Bool {
    if key <= clearBelow { return false }
    for entry in decoded[decodedHead...] {
      if entry.record.sequence >= key {
        clearBelow = key
        return false
      }
      if entry.stacked { return true }
    }
    if let pending {
      if pending.record.sequence >= key {
        clearBelow = key
        return false
      }
      if pending.stacked { return true }
    }
    var sequence = decoding.sequence
    var found = Self.scan(chunk, from: chunk.position, sequence: &sequence, below: key)
    var index = queuedHead
    while found == nil && index < queued.count {
      if queued[index].unpackedLength >= 0 { return true }
      sequence = 0
      found = Self.scan(queued[index], from: 0, sequence: &sequence, below: key)
      index += 1
    }
    if found == false { clearBelow = key }
    return found ?? false
  }

  /// Reads records of `chunk` from `position` until one keyed at or above `key` (false), one keyed
  /// below it that defines nodes or is a MODULES (true), or the chunk's end (nil). Damage counts
  /// as such a record: it is reported when the record is decoded.
  private static func scan(_ chunk: HeldChunk, from position: Int, sequence: inout UInt64, below key: UInt64)
    -> Bool?
  {
    var cursor = ByteCursor(
      base: UnsafeRawPointer(chunk.bytes), end: chunk.end, position: position, recordStart: position)
    var frames = false
    do {
      while cursor.position < cursor.end {
        let tag = try cursor.byte()
        if tag == CaptureFormat.frameTag {
          _ = try cursor.unsigned()
          _ = try cursor.unsigned()
          frames = true
          continue
        }
        if tag == CaptureFormat.threadTag {
          _ = try cursor.unsigned()
          continue
        }
        let type = tag & CaptureFormat.typeMask & ~CaptureFormat.nextNumberFlag
        if tag & CaptureFormat.nextNumberFlag != 0 && type != 0 {
          if sequence < CaptureFormat.clockKeyBase { sequence &+= 1 }
        } else {
          sequence &+= try cursor.unsigned()
        }
        if sequence >= key { return false }
        if frames || tag == CaptureFormat.modulesTag { return true }
        let clockKeyed = sequence >= CaptureFormat.clockKeyBase
        switch type {
        case CaptureFormat.allocTag:
          _ = try cursor.unsigned()
          _ = try cursor.unsigned()
          _ = try cursor.unsigned()
        case CaptureFormat.freeTag, CaptureFormat.freeBackTag:
          _ = try cursor.unsigned()
        case 0 where tag == CaptureFormat.stripeTag && clockKeyed:
          _ = try cursor.unsigned()
        case 0 where tag == CaptureFormat.tickTag:
          _ = try cursor.tick()
        case 0 where tag == CaptureFormat.markerTag:
          _ = try cursor.string()
        case 0 where tag == CaptureFormat.commandTag:
          _ = try cursor.command()
        case 0 where tag == CaptureFormat.endTag:
          _ = try cursor.unsigned()
        default:
          return true
        }
        if clockKeyed && type != 0 || tag == CaptureFormat.stripeTag { _ = try cursor.unsigned() }
      }
    } catch {
      return true
    }
    return nil
  }
}

/// The held streams, in slots of raw memory that the merges name by index.
///
/// A value inside the decoder, like ``RecordMerger``: it keeps the slots' pointer in a field of its
/// own, so that the path of every record reads no class property; a copy shares the memory, and
/// only one of the two may be changed afterwards (the decoder never copies it).
struct HeldStreams {
  /// Owns the slots: deinitializes the ones in use and frees their bytes once.
  private final class Memory {
    var slots: UnsafeMutablePointer<HeldStream>
    var inUse: [Bool] = []

    init(capacity: Int) { slots = .allocate(capacity: capacity) }

    deinit {
      for slot in inUse.indices where inUse[slot] {
        slots[slot].deallocateChunks()
        (slots + slot).deinitialize(count: 1)
      }
      slots.deallocate()
    }
  }

  private let memory = Memory(capacity: 16)
  private(set) var slots: UnsafeMutablePointer<HeldStream>
  private var capacity = 16
  private var freeSlots: [Int] = []
  private var slotOfStream: [UInt64: Int] = [:]
  /// Bytes held in every stream's chunks.
  private(set) var byteCount = 0

  init() { slots = memory.slots }

  var isEmpty: Bool { slotOfStream.isEmpty }

  func slot(of stream: UInt64) -> Int? { slotOfStream.isEmpty ? nil : slotOfStream[stream] }

  /// A slot for `stream`, held from now on.
  mutating func add(_ held: HeldStream) -> Int {
    let slot: Int
    if let free = freeSlots.popLast() {
      slot = free
    } else {
      if memory.inUse.count == capacity {
        let grown = UnsafeMutablePointer<HeldStream>.allocate(capacity: capacity * 2)
        grown.moveInitialize(from: slots, count: capacity)
        slots.deallocate()
        slots = grown
        memory.slots = grown
        capacity *= 2
      }
      slot = memory.inUse.count
      memory.inUse.append(false)
    }
    (slots + slot).initialize(to: held)
    memory.inUse[slot] = true
    slotOfStream[held.stream] = slot
    byteCount += held.byteCount
    return slot
  }

  /// Another chunk of a held stream, behind those it holds.
  mutating func enqueue(_ chunk: HeldChunk, in slot: Int) {
    slots[slot].queued.append(chunk)
    slots[slot].byteCount += chunk.heldBytes
    byteCount += chunk.heldBytes
  }

  /// Unpacks the COLUMNS body that became the chunk of `slot`; false when it is damaged.
  mutating func unpack(_ slot: Int, stream: UInt64, recent: RecentAllocations) -> Bool {
    let packed = slots[slot].chunk
    let length = packed.unpackedLength
    var records = packed
    records.bytes = .allocate(byteCount: max(length, 1), alignment: 16)
    records.end = length
    records.position = 0
    records.unpackedLength = -1
    let unpacked = ChunkUnpacker.unpack(
      UnsafeRawBufferPointer(start: packed.bytes, count: packed.end),
      into: UnsafeMutableRawBufferPointer(start: records.bytes, count: length), stream: stream, recent: recent)
    slots[slot].chunk = records
    byteCount += records.heldBytes - packed.heldBytes
    slots[slot].byteCount += records.heldBytes - packed.heldBytes
    packed.deallocate()
    return unpacked
  }

  /// The bytes of a chunk of `slot` fully decoded are no longer held.
  mutating func release(_ chunk: HeldChunk, of slot: Int) {
    slots[slot].byteCount -= chunk.heldBytes
    byteCount -= chunk.heldBytes
    chunk.deallocate()
  }

  /// The stream of `slot` holds nothing more: returns its latest allocations, unless it no longer
  /// owned them (``detach(_:decodedBytes:)``).
  mutating func remove(_ slot: Int) -> (stream: UInt64, recent: RecentAllocations)? {
    let held = (slots + slot).move()
    byteCount -= held.byteCount
    held.deallocateChunks()
    memory.inUse[slot] = false
    freeSlots.append(slot)
    guard held.ownsStream else { return nil }
    slotOfStream[held.stream] = nil
    return (held.stream, held.recent)
  }

  /// The records of `slot` are all decoded ahead (`decodedBytes` of them): its stream's next chunks
  /// no longer queue behind it. Returns the stream's latest allocations.
  mutating func detach(_ slot: Int, decodedBytes: Int) -> RecentAllocations {
    slots[slot].ownsStream = false
    slots[slot].byteCount += decodedBytes
    byteCount += decodedBytes
    slotOfStream[slots[slot].stream] = nil
    return slots[slot].recent
  }

  /// A record decoded ahead in `slot` was taken.
  mutating func releaseDecoded(_ byteCount: Int, of slot: Int) {
    slots[slot].byteCount -= byteCount
    self.byteCount -= byteCount
  }

}
