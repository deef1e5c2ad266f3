// The one file that touches raw bytes: the chunk buffer, varint decoding and record decoding.
// Every unsafe pointer is used inside a scoped closure or owned by `ChunkBuffer`, which
// `CaptureReader` deallocates exactly once.

/// A growable byte buffer holding the unconsumed bytes of the file starting at `fileOffset`.
struct ChunkBuffer {
  private(set) var storage: UnsafeMutableRawBufferPointer
  /// Bytes of `storage` holding file data.
  var filled = 0
  /// The file offset of `storage[0]`.
  var fileOffset = 0

  init(capacity: Int) {
    storage = .allocate(byteCount: capacity, alignment: 16)
  }

  var capacity: Int { storage.count }

  func deallocate() { storage.deallocate() }

  /// Calls `body` with the unfilled tail of the buffer.
  func withFreeSpace<R, Failure: Error>(
    _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> R
  ) throws(Failure) -> R {
    try body(UnsafeMutableRawBufferPointer(rebasing: storage[filled...]))
  }

  /// Drops the first `count` bytes (consumed records), moving the rest to the front.
  mutating func consume(_ count: Int) {
    guard count > 0 else { return }
    let rest = filled - count
    if rest > 0, let base = storage.baseAddress {
      base.copyMemory(from: base + count, byteCount: rest)
    }
    filled = rest
    fileOffset += count
  }

  /// Enlarges the buffer, keeping its contents.
  mutating func grow(to capacity: Int) {
    let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    if filled > 0, let base = bigger.baseAddress, let old = storage.baseAddress {
      base.copyMemory(from: old, byteCount: filled)
    }
    storage.deallocate()
    storage = bigger
  }
}

/// Why decoding stopped before the end of the bytes at hand.
enum DecodeStop: Error {
  /// The record continues past the bytes at hand.
  case needMore
  /// The record at `position` (buffer-relative) is damaged.
  case damaged(position: Int, CaptureDamage)
  /// A record read earlier (version 3: held back until its turn) at file offset `offset` is damaged.
  case damagedInFile(offset: Int, CaptureDamage)
  /// Version 3: the record just decoded (``RecordDecoder/waiting``) must wait: the chunk loop holds
  /// the rest of its chunk.
  case held
}

/// A damaged record, located in the file.
struct DecodeFailure: Error {
  var offset: Int
  var damage: CaptureDamage
}

/// A read position over borrowed bytes; every read checks the bound and throws `.needMore`.
struct ByteCursor {
  let base: UnsafeRawPointer
  let end: Int
  var position: Int
  /// The start of the record being decoded, for damage reports.
  var recordStart: Int

  @inline(__always)
  mutating func byte() throws(DecodeStop) -> UInt8 {
    guard position < end else { throw .needMore }
    let value = base.load(fromByteOffset: position, as: UInt8.self)
    position &+= 1
    return value
  }

  /// An unsigned LEB128 varint of at most 64 bits (10 bytes, the last one 0 or 1).
  @inline(__always)
  mutating func unsigned() throws(DecodeStop) -> UInt64 {
    var byte = try self.byte()
    if byte < 0x80 { return UInt64(byte) }
    var result = UInt64(byte & 0x7f)
    var shift: UInt64 = 7
    while true {
      byte = try self.byte()
      if shift == 63 && byte > 1 { throw .damaged(position: recordStart, .oversizedNumber) }
      result |= UInt64(byte & 0x7f) << shift
      if byte < 0x80 { return result }
      shift &+= 7
    }
  }

  /// A zig-zag signed varint.
  @inline(__always)
  mutating func signed() throws(DecodeStop) -> Int64 {
    let raw = try unsigned()
    return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
  }

  /// A count, bounded by ``CaptureFormat/maximumCount``.
  mutating func count(of record: String) throws(DecodeStop) -> Int {
    let value = try unsigned()
    guard value <= CaptureFormat.maximumCount else {
      throw .damaged(position: recordStart, .oversizedCount(record: record, count: value))
    }
    return Int(value)
  }

  /// A uv length followed by that many bytes of UTF-8 (invalid sequences are repaired).
  mutating func string() throws(DecodeStop) -> String {
    let length = try unsigned()
    guard length <= CaptureFormat.maximumStringLength else {
      throw .damaged(position: recordStart, .oversizedString(length: length))
    }
    let count = Int(length)
    guard end - position >= count else { throw .needMore }
    let bytes = UnsafeRawBufferPointer(start: base + position, count: count)
    position += count
    return String(decoding: bytes, as: UTF8.self)
  }
}

extension ByteCursor {
  /// A TICK record's fields.
  mutating func tick() throws(DecodeStop) -> TickEvent {
    let microseconds = try unsigned()
    let resident = try unsigned()
    let tracker = try unsigned()
    return TickEvent(microseconds: microseconds, residentBytes: resident, trackerBytes: tracker)
  }

  /// A MODULES record's fields.
  mutating func modules() throws(DecodeStop) -> [Module] {
    let count = try count(of: "modules")
    var list: [Module] = []
    list.reserveCapacity(min(count, 1024))
    for _ in 0..<count {
      let path = try string()
      let bias = try unsigned()
      let low = try unsigned()
      let high = try unsigned()
      list.append(Module(path: path, loadBias: bias, lowAddress: low, highAddress: high))
    }
    return list
  }

  /// A COMMAND record's fields.
  mutating func command() throws(DecodeStop) -> CaptureCommand {
    let executable = try string()
    let count = try count(of: "command")
    var arguments: [String] = []
    arguments.reserveCapacity(min(count, 1024))
    for _ in 0..<count { arguments.append(try string()) }
    return CaptureCommand(executable: executable, arguments: arguments)
  }
}

/// The state that spans records: running address, current thread, frames, modules.
struct RecordDecoder {
  var address: UInt64 = 0
  var thread: UInt64 = 0
  var frames = FrameTable()
  var modules = ModuleTable()
  /// The nodes defined by programs before the last EXEC: the stream numbers the current program's
  /// nodes from 1, the frame table after these.
  var nodeBase: UInt64 = 0
  /// The first program's command line.
  var command: CaptureCommand?
  var lastTimestamp: UInt64 = 0
  var sawEnd = false
  /// The sum of every ALLOC size so far, kept below ``CaptureFormat/maximumTotalBytes``.
  var totalBytes: UInt64 = 0
  /// Version 3: records come in numbered chunks and are merged (``RecordMerger``).
  var sequenced = false
  var merger = RecordMerger()
  /// Version 6: clock-keyed records (``ClockKeyedMerge``); counter-keyed ones wait in ``merger``.
  var clockMerge = ClockKeyedMerge()
  /// Version 3: the streams whose records wait, as bytes; each merge holds their next records.
  var held = HeldStreams()
  /// The record the chunk loop stopped at (``DecodeStop/held``), on its way to its merge.
  var waiting: (SequencedRecord, StripeNumber)?
  /// CHUNK and COLUMNS records read.
  var chunkNumber: UInt64 = 0
  /// Records decoded from held chunks since ``decode(_:into:)`` last counted them.
  var heldRecordCount = 0
  /// Version 6: keys from ``CaptureFormat/clockKeyBase`` on are clock keys (in older versions they
  /// are counter numbers like any other, and a damaged file's stay so).
  var clockKeysAllowed = false
  /// The bodies of held rare records (TICK, MODULES, MARKER, COMMAND, END), by
  /// ``SequencedRecord/extra``: so that a record itself is plain bytes to copy.
  var extras: [Int: RareBody] = [:]
  var nextExtra = 0
  /// The thread of the last record delivered (version 3), to tell the visitor of switches.
  var deliveredThread: UInt64 = 0
  /// Each stream's latest allocations, for FREE_BACK records (version 3), by stream id.
  var recentAllocations: [UInt64: RecentAllocations] = [:]
  /// Whether a stream at the top of the clock merge delivers its next records in a run
  /// (``deliverClockKeyedRun(_:below:into:)``); false: every clock-keyed record goes the
  /// one-record way. ``CaptureReader/clockKeyedRuns`` when the reader was made.
  var clockKeyedRuns = CaptureReader.clockKeyedRuns

  /// Decodes every complete record in `buffer`, consumes them, and returns how many there were.
  ///
  /// A record's effects (state and visitor call) happen only once all its bytes have been decoded,
  /// so a record cut at the end of the buffer is decoded again, whole, by the next call.
  ///
  /// - Complexity: O(*n*) for *n* bytes.
  mutating func decode<Visitor: CaptureVisitor>(
    _ buffer: inout ChunkBuffer, into visitor: inout Visitor
  ) throws(DecodeFailure) -> Int {
    guard buffer.filled > 0, let base = buffer.storage.baseAddress else { return 0 }
    var cursor = ByteCursor(base: UnsafeRawPointer(base), end: buffer.filled, position: 0, recordStart: 0)
    var records = 0
    var failure: DecodeFailure?
    while cursor.position < cursor.end {
      cursor.recordStart = cursor.position
      do {
        if sequenced {
          records += try decodeTopLevel(&cursor, fileOffset: buffer.fileOffset, into: &visitor)
        } else {
          try decodeRecord(&cursor, into: &visitor)
          records += 1
        }
      } catch {
        switch error {
        case .needMore:
          cursor.position = cursor.recordStart
        case .damaged(let position, let damage):
          failure = DecodeFailure(offset: buffer.fileOffset + position, damage: damage)
          cursor.position = position
        case .damagedInFile(let offset, let damage):
          failure = DecodeFailure(offset: offset, damage: damage)
          cursor.position = cursor.recordStart
        case .held:
          cursor.position = cursor.recordStart  // never: the chunk loop holds its chunk
        }
        break
      }
    }
    buffer.consume(cursor.position)
    records += heldRecordCount
    heldRecordCount = 0
    if let failure { throw failure }
    return records
  }

  @inline(__always)
  private mutating func decodeRecord<Visitor: CaptureVisitor>(
    _ cursor: inout ByteCursor, into visitor: inout Visitor
  ) throws(DecodeStop) {
    let tag = try cursor.byte()
    let kind = tag & CaptureFormat.kindMask
    switch tag & CaptureFormat.typeMask {
    case CaptureFormat.allocTag:
      guard let kind = AllocationKind(rawValue: kind) else { break }
      let delta = try cursor.signed()
      let size = try cursor.unsigned()
      guard size <= CaptureFormat.maximumBlockSize else {
        throw .damaged(position: cursor.recordStart, .impossibleSize(size))
      }
      // Both are at most 2^62, so the sum cannot overflow before it is checked.
      let total = totalBytes + size
      guard total <= CaptureFormat.maximumTotalBytes else {
        throw .damaged(position: cursor.recordStart, .impossibleTotal(total))
      }
      // Numbered from 1 within the current program (see nodeBase).
      let localStack = try cursor.unsigned()
      guard localStack < UInt64(frames.count) &- nodeBase else {
        throw .damaged(position: cursor.recordStart, .unknownStackNode(localStack))
      }
      let stack = localStack == 0 ? 0 : localStack &+ nodeBase
      address = address &+ UInt64(bitPattern: delta)
      totalBytes = total
      visitor.visit(
        AllocationEvent(kind: kind, address: address, size: size, stack: UInt32(stack), thread: thread))
      return
    case CaptureFormat.freeTag:
      guard let kind = DeallocationKind(rawValue: kind) else { break }
      let delta = try cursor.signed()
      address = address &+ UInt64(bitPattern: delta)
      visitor.visit(DeallocationEvent(kind: kind, address: address, thread: thread))
      return
    default:
      try decodeRareRecord(tag, &cursor, into: &visitor)
      return
    }
    throw .damaged(position: cursor.recordStart, .unknownRecord(tag: tag))
  }

  private mutating func decodeRareRecord<Visitor: CaptureVisitor>(
    _ tag: UInt8, _ cursor: inout ByteCursor, into visitor: inout Visitor
  ) throws(DecodeStop) {
    switch tag {
    case CaptureFormat.threadTag:
      thread = try cursor.unsigned()
      visitor.visitThread(thread)
    case CaptureFormat.frameTag:
      let localParent = try cursor.unsigned()
      let delta = try cursor.signed()
      let node = UInt64(frames.count)
      guard localParent < node &- nodeBase else {
        throw .damaged(
          position: cursor.recordStart, .unknownParentNode(node: node &- nodeBase, parent: localParent))
      }
      let parent = localParent == 0 ? 0 : localParent &+ nodeBase
      guard node <= CaptureFormat.maximumFrames else {
        throw .damaged(position: cursor.recordStart, .oversizedCount(record: "frame", count: node))
      }
      let ip = frames.ip(of: UInt32(parent)) &+ UInt64(bitPattern: delta)
      _ = frames.append(parent: UInt32(parent), ip: ip, in: modules)
      visitor.visit(FrameEvent(node: UInt32(node), parent: UInt32(parent), ip: ip))
    case CaptureFormat.tickTag:
      let tick = try cursor.tick()
      lastTimestamp = tick.microseconds
      visitor.visit(tick)
    case CaptureFormat.modulesTag:
      modules = ModuleTable(try cursor.modules())
      visitor.visit(modules)
    case CaptureFormat.markerTag:
      let name = try cursor.string()
      visitor.visit(MarkerEvent(name: name, thread: thread))
    case CaptureFormat.commandTag:
      let command = try cursor.command()
      if self.command == nil { self.command = command }
      visitor.visit(command)
    case CaptureFormat.endTag:
      let microseconds = try cursor.unsigned()
      lastTimestamp = max(lastTimestamp, microseconds)
      sawEnd = true
      visitor.visitEnd(microseconds: microseconds)
    case CaptureFormat.lostTag:
      visitor.visitLost(count: try cursor.unsigned())
    case CaptureFormat.execTag:
      let microseconds = try cursor.unsigned()
      // The new program's stream starts afresh, as after the header.
      lastTimestamp = max(lastTimestamp, microseconds)
      address = 0
      thread = 0
      modules = ModuleTable()
      nodeBase = UInt64(frames.count - 1)
      visitor.visit(ExecEvent(microseconds: microseconds))
    default:
      throw .damaged(position: cursor.recordStart, .unknownRecord(tag: tag))
    }
  }
}
