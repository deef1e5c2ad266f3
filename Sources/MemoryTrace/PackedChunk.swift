// The COLUMNS record (versions 4, 5 and 7): a chunk's records laid out field by field, so that zstd compresses them
// well. The tracker writes records one after the other (tag, number, address, size, node, ...), which
// is cheap to write and to read live; but zstd codes every byte it cannot match with one Huffman
// table per block, and a table shared by tags, addresses, sizes and stack nodes fits none of them.
// A packed chunk moves each field into a column of its own and splits every varint into its first
// byte, its second byte and the rest, so each column holds bytes of one distribution. The first
// layout is exact: unpacking gives back the chunk's bytes as the tracker wrote them; the second
// (ElidedAddresses.swift) gives stand-ins for the addresses it left out.

/// The columns of a packed chunk, in the order they follow one another.
enum PackedColumn {
  /// Every record's tag. On ALLOC and FREE, bit 0x40 says that the address's low 4 bits are in
  /// ``lowBits`` (the tracker never sets it: ALLOC, FREE and FREE_BACK types are 0x10, 0x20, 0x30).
  static let tag = 0
  /// Sequence numbers, as the tracker wrote them (three planes, see ``PackedChunk``).
  static let number = 1
  /// ALLOC address deltas, divided by 16 (allocators align blocks to 16 bytes), zig-zag coded.
  static let allocAddress = 4
  /// The low 4 bits of the address deltas that are not multiples of 16, one byte each.
  static let lowBits = 7
  /// ALLOC sizes, as the tracker wrote them.
  static let size = 8
  /// ALLOC stack nodes, as the difference from the predicted node: the previous ALLOC's node, or
  /// after a FRAME the node after that FRAME's parent (a new stack's FRAMEs form a chain).
  static let node = 11
  /// FREE address deltas, coded as ALLOC's.
  static let freeAddress = 14
  /// FREE_BACK distances, as the tracker wrote them.
  static let back = 17
  /// FRAME parents, as the difference from the previous FRAME's parent in the chunk.
  static let parent = 20
  /// FRAME ip deltas, as the tracker wrote them.
  static let ip = 23
  /// Everything else (THREAD, TICK, MODULES, MARKER, COMMAND, END fields), each as a uv byte
  /// count followed by the field bytes as the tracker wrote them.
  static let rare = 26
  /// Version 7 (bodies that start with ``PackedChunk/stripeColumnsMarker``): the stripe numbers of
  /// clock-keyed ALLOC, FREE and FREE_BACK records, as the tracker wrote them.
  static let stripe = 27
  /// Version 7: for each ALLOC, FREE and FREE_BACK after a clock-keyed record of its chunk, whether
  /// it has that record's key again (the tag's bit 0x80, taken out of the tag column), one bit
  /// each, from the lowest bit of each byte up. Whether a thread's clock ticked between two of its
  /// records is random, and in the tags it cost a 2-thread capture 245 KB of zstd's output where
  /// bits packed 8 to a byte take 114 (the rest of its tags: 0.4).
  static let keyFlags = 30
  /// The columns of a body of the first or second layout.
  static let count = 27
  /// The columns of a body with stripe columns.
  static let withStripesCount = 31
}

/// The packed chunk's codec. Every varint goes to three planes: its first byte to column *c*, its
/// second to *c* + 1 and the rest to *c* + 2; a reader follows the continuation bits across them.
enum PackedChunk {
  /// Chunks above this size stay as they are (the tracker's are 512 KiB at most).
  static let largestPackedChunk = 4 << 20
  /// Bit on an ALLOC or FREE tag in the tag column: the address's low bits are in their column.
  static let misalignedFlag: UInt8 = 0x40
  /// The first bytes of a body in the layout whose ALLOCs may leave out their address
  /// (``ElidedAddresses``). A body of the first layout starts with the tag column's length, and
  /// one of 0 (no records) is followed by 26 more zeros, so 00 02 cannot start one.
  static let elidedAddressesMarker: [UInt8] = [0x00, 0x02]
  /// The first bytes of a body in the first layout with stripe columns (version 7: a chunk of a
  /// version 6 capture, whose clock-keyed records end with a stripe number): 31 column lengths and
  /// the columns follow. The tag column's length cannot start it either.
  static let stripeColumnsMarker: [UInt8] = [0x00, 0x03]

  @inline(__always)
  static func zigZag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

  @inline(__always)
  static func unZigZag(_ raw: UInt64) -> Int64 { Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))) }
}

// MARK: - Packing

/// Packs chunks (``pack(_:)``); one packer serves a whole capture, reusing its memory.
struct ChunkPacker {
  private var storage: UnsafeMutablePointer<UInt8>? = nil
  private var storageCapacity = 0
  private var columnCapacity = 0
  /// The byte count of each column of the last chunk packed.
  private(set) var columnLengths: [Int] = []

  /// The packed body of the last chunk packed: the column lengths, then the columns.
  private(set) var packed: [UInt8] = []

  mutating func deallocate() {
    storage?.deallocate()
    storage = nil
  }

  /// Packs the records of one CHUNK into ``packed``. Returns false (nothing to use) when the bytes
  /// are not records as the tracker writes them (an unknown tag, a record cut off, an address or
  /// node written in more bytes than needed): such a chunk stays as it is, so damage stays where
  /// it was.
  /// With `clockKeys` (a version 6 capture's chunk) the body has stripe columns.
  mutating func pack(_ records: UnsafeRawBufferPointer, clockKeys: Bool = false) -> Bool {
    if clockKeys {
      return packColumns(records, marker: PackedChunk.stripeColumnsMarker, columnCount: PackedColumn.withStripesCount) {
        writer, reader in
        let packed = writer.packRecords(&reader, clockKeys: true)
        writer.flushKeyFlags()
        return packed
      }
    }
    return packColumns(records, marker: []) { writer, reader in writer.packRecords(&reader, clockKeys: false) }
  }

  /// Lays out `records` in `columnCount` columns with `fill`, into ``packed`` after `marker` (a
  /// layout's first bytes); false when `fill` refuses them or a column overflows.
  mutating func packColumns(
    _ records: UnsafeRawBufferPointer, marker: [UInt8], columnCount: Int = PackedColumn.count,
    _ fill: (inout ColumnWriter, inout FieldReader) -> Bool
  ) -> Bool {
    guard records.count <= PackedChunk.largestPackedChunk, let input = records.baseAddress else { return false }
    // No column grows faster than the records, except transformed nodes and parents (up to 10
    // bytes for a 1-byte field of a record of at least 3 bytes).
    let capacity = 4 * records.count + 64
    if capacity > columnCapacity {
      storage?.deallocate()
      columnCapacity = capacity
      storageCapacity = capacity * PackedColumn.withStripesCount
      storage = .allocate(capacity: storageCapacity)
    }
    guard let storage else { return false }
    var writer = ColumnWriter(base: storage, capacity: columnCapacity)
    var reader = FieldReader(base: input.assumingMemoryBound(to: UInt8.self), end: records.count)
    guard fill(&writer, &reader), !writer.overflowed else { return false }
    columnLengths.removeAll(keepingCapacity: true)
    for column in 0..<columnCount { columnLengths.append(writer.counts[column]) }
    packed.removeAll(keepingCapacity: true)
    packed.append(contentsOf: marker)
    for column in 0..<columnCount { appendUnsigned(UInt64(columnLengths[column]), to: &packed) }
    for column in 0..<columnCount {
      packed.append(
        contentsOf: UnsafeBufferPointer(start: storage + column * columnCapacity, count: columnLengths[column]))
    }
    return true
  }
}

/// Appends `value` as an unsigned LEB128 varint.
@inline(__always)
func appendUnsigned(_ value: UInt64, to bytes: inout [UInt8]) {
  var value = value
  while value >= 0x80 {
    bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
    value >>= 7
  }
  bytes.append(UInt8(value))
}

/// Reads the tracker's records for the packer, refusing anything it would not write.
struct FieldReader {
  let base: UnsafePointer<UInt8>
  let end: Int
  var position = 0

  var atEnd: Bool { position >= end }

  /// The byte count of the varint at the cursor (nil: cut off, or longer than 10 bytes).
  @inline(__always)
  func varintLength() -> Int? {
    var length = 0
    while position + length < end {
      let byte = base[position + length]
      length += 1
      if byte < 0x80 { return length }
      if length == 10 { return nil }
    }
    return nil
  }

  /// A varint's value, only if written in as few bytes as it needs (so that packing can rewrite it).
  /// One byte (most FREE_BACK distances, nodes, number deltas), two (most address deltas of
  /// threads and trees) and three (the depth-20 tree's nodes and parents) inline; longer ones in a
  /// call (the whole reading, inlined everywhere, was emitted as a call anyway, on every field).
  /// The three-byte case in line took 8 % off compressing that tree's capture, 3 % off 8 threads'.
  @inline(__always)
  mutating func canonicalUnsigned() -> UInt64? {
    if position < end {
      let first = base[position]
      if first < 0x80 {
        position += 1
        return UInt64(first)
      }
      // A second byte of 0 is not canonical: the call refuses it.
      if position + 1 < end, case let second = base[position + 1], second < 0x80, second != 0 {
        position += 2
        return UInt64(first & 0x7f) | UInt64(second) << 7
      }
      if position + 2 < end, case let second = base[position + 1], second >= 0x80,
        case let third = base[position + 2], third < 0x80, third != 0
      {
        position += 3
        return UInt64(first & 0x7f) | UInt64(second & 0x7f) << 7 | UInt64(third) << 14
      }
    }
    return canonicalLongUnsigned()
  }

  /// ``canonicalUnsigned()`` of a varint of more than one byte. Up to 8 bytes (every address
  /// delta, node and parent a program makes) from one load of the 8 bytes at the cursor, without
  /// a branch on each byte; longer ones, and those near the end, byte by byte.
  @inline(never)
  mutating func canonicalLongUnsigned() -> UInt64? {
    if end - position >= 8 {
      let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
      // The last byte's high bit is clear: the lowest such byte ends the varint.
      let stops = ~word & 0x8080_8080_8080_8080
      if stops != 0 {
        let lastBit = stops.trailingZeroBitCount  // 7, 15, ... 63: the last byte's high bit
        let length = (lastBit + 1) &>> 3
        // A last byte of 0 after others is not canonical.
        if length > 1 && (word &>> UInt64(lastBit - 7)) & 0xff == 0 { return nil }
        // The bytes of the varint, less their high bits, packed 7 bits each.
        var value = word & (UInt64.max &>> UInt64(63 - lastBit)) & 0x7f7f_7f7f_7f7f_7f7f
        value = (value & 0x007f_007f_007f_007f) | ((value & 0x7f00_7f00_7f00_7f00) &>> 1)
        value = (value & 0x0000_3fff_0000_3fff) | ((value & 0x3fff_0000_3fff_0000) &>> 2)
        value = (value & 0x0000_0000_0fff_ffff) | ((value & 0x0fff_ffff_0000_0000) &>> 4)
        position += length
        return value
      }
    }
    return canonicalLongUnsignedByByte()
  }

  /// ``canonicalLongUnsigned()`` one byte at a time: varints of 9 or 10 bytes, and those whose 8
  /// bytes from the cursor run past the end.
  mutating func canonicalLongUnsignedByByte() -> UInt64? {
    var value: UInt64 = 0
    var cursor = position
    var shift: UInt64 = 0
    while cursor < end && shift < 70 {
      let byte = base[cursor]
      cursor += 1
      value |= UInt64(byte & 0x7f) << shift
      if byte < 0x80 {
        let length = cursor - position
        if length > 1 && byte == 0 { return nil }
        if length == 10 && byte > 1 { return nil }
        position = cursor
        return value
      }
      shift += 7
    }
    return nil
  }

  /// Any varint's value (up to 10 bytes; bits past 64 dropped), for keys, whose bytes the packer
  /// copies as they are.
  mutating func anyUnsigned() -> UInt64? {
    guard let length = varintLength() else { return nil }
    var value: UInt64 = 0
    for index in 0..<length { value |= UInt64(base[position + index] & 0x7f) << (7 * UInt64(index)) }
    position += length
    return value
  }

  /// The reading ``canonicalUnsigned()`` replaced, kept to check it against.
  mutating func canonicalUnsignedByLength() -> UInt64? {
    guard let length = varintLength() else { return nil }
    var value: UInt64 = 0
    for index in 0..<length { value |= UInt64(base[position + index] & 0x7f) << (7 * UInt64(index)) }
    if length > 1 && base[position + length - 1] == 0 { return nil }
    if length == 10 && base[position + 9] > 1 { return nil }
    position += length
    return value
  }
}

/// The columns being written; every write is checked against the capacity.
struct ColumnWriter {
  let base: UnsafeMutablePointer<UInt8>
  let capacity: Int
  /// Bytes written in each column. Inside the writer (an `inout`, which nothing else may touch
  /// meanwhile), not in memory of its own: the compiler then knows the columns' bytes are not
  /// these counts, and need not load them again after every byte written.
  var counts = InlineArray<31, Int>(repeating: 0)
  var overflowed = false
  /// Key flags not yet written to their column (``PackedColumn/keyFlags``), and how many.
  var keyFlagByte: UInt8 = 0
  var keyFlagCount = 0

  init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
    self.base = base
    self.capacity = capacity
  }

  @inline(__always)
  mutating func put(_ byte: UInt8, _ column: Int) {
    let count = counts[column]
    guard count < capacity else {
      overflowed = true
      return
    }
    // Wrapping arithmetic: both are below the storage's size, and the overflow checks were a
    // branch on every byte of every column.
    base[column &* capacity &+ count] = byte
    counts[column] = count &+ 1
  }

  /// A value as a canonical varint across the three planes from `column`.
  @inline(__always)
  mutating func putPlanes(_ value: UInt64, _ column: Int) {
    var value = value
    var plane = column
    while value >= 0x80 {
      put(UInt8(truncatingIfNeeded: value) | 0x80, plane)
      value >>= 7
      if plane < column + 2 { plane += 1 }
    }
    put(UInt8(value), plane)
  }

  /// The varint at the reader's cursor, byte for byte, across the three planes from `column`.
  @inline(__always)
  mutating func movePlanes(_ reader: inout FieldReader, _ column: Int) -> Bool {
    // One byte (most sizes, distances, stripes) without the loops.
    if reader.position < reader.end, case let first = reader.base[reader.position], first < 0x80 {
      put(first, column)
      reader.position += 1
      return true
    }
    guard let length = reader.varintLength() else { return false }
    for index in 0..<length { put(reader.base[reader.position + index], column + min(index, 2)) }
    reader.position += length
    return true
  }

  /// A key's delta (the number field) at the reader's cursor, byte for byte, into the number
  /// planes; adds its value to `key` (version 6: whether a record is clock-keyed depends on it).
  @inline(__always)
  mutating func moveKeyDelta(_ reader: inout FieldReader, key: inout UInt64) -> Bool {
    if reader.position < reader.end, case let first = reader.base[reader.position], first < 0x80 {
      put(first, PackedColumn.number)
      reader.position += 1
      key &+= UInt64(first)
      return true
    }
    guard let length = reader.varintLength() else { return false }
    var value: UInt64 = 0
    for index in 0..<length {
      let byte = reader.base[reader.position + index]
      put(byte, PackedColumn.number + min(index, 2))
      value |= UInt64(byte & 0x7f) << (7 * UInt64(index))
    }
    reader.position += length
    key &+= value
    return true
  }

  /// The number field of a numbered record: only moved, or (`clockKeys`) also added to `key`.
  @inline(__always)
  mutating func moveNumber(_ reader: inout FieldReader, key: inout UInt64, clockKeys: Bool) -> Bool {
    clockKeys ? moveKeyDelta(&reader, key: &key) : movePlanes(&reader, PackedColumn.number)
  }

  /// One key flag (``PackedColumn/keyFlags``): whether the record has the previous clock key again.
  @inline(__always)
  mutating func putKeyFlag(_ same: Bool) {
    // Below 8 by construction: wrapping operations, without the checks of each.
    keyFlagByte |= UInt8(same ? 1 : 0) &<< UInt8(truncatingIfNeeded: keyFlagCount)
    keyFlagCount &+= 1
    if keyFlagCount == 8 { flushKeyFlags() }
  }

  /// Writes the key flags not yet written (the last byte's high bits 0).
  mutating func flushKeyFlags() {
    guard keyFlagCount > 0 else { return }
    put(keyFlagByte, PackedColumn.keyFlags)
    keyFlagByte = 0
    keyFlagCount = 0
  }

  /// `length` bytes from the reader's cursor into the rare column, after their count.
  @inline(__always)
  mutating func moveRare(_ reader: inout FieldReader, from start: Int) {
    let length = reader.position - start
    var count = UInt64(length)
    while count >= 0x80 {
      put(UInt8(truncatingIfNeeded: count) | 0x80, PackedColumn.rare)
      count >>= 7
    }
    put(UInt8(count), PackedColumn.rare)
    for index in 0..<length { put(reader.base[start + index], PackedColumn.rare) }
  }

  /// An address delta: divided by 16 into its column, the low bits (if any) into theirs.
  /// Returns the tag bit to set, or nil when the delta is not canonical.
  @inline(__always)
  mutating func putAddress(_ reader: inout FieldReader, _ column: Int) -> UInt8? {
    guard let raw = reader.canonicalUnsigned() else { return nil }
    return putAddressDelta(PackedChunk.unZigZag(raw), column)
  }

  /// An address delta the caller worked out, coded as ``putAddress(_:_:)`` codes one it reads.
  @inline(__always)
  mutating func putAddressDelta(_ delta: Int64, _ column: Int) -> UInt8 {
    putPlanes(PackedChunk.zigZag(delta >> 4), column)
    let low = UInt8(truncatingIfNeeded: delta & 15)
    guard low != 0 else { return 0 }
    put(low, PackedColumn.lowBits)
    return PackedChunk.misalignedFlag
  }

  /// Skips a string (uv length, bytes) at the reader's cursor.
  static func skipString(_ reader: inout FieldReader) -> Bool {
    guard let length = reader.canonicalUnsigned(), length <= UInt64(reader.end - reader.position) else { return false }
    reader.position += Int(length)
    return true
  }

  static func skipUnsigned(_ reader: inout FieldReader, _ count: Int) -> Bool {
    for _ in 0..<count {
      guard let length = reader.varintLength() else { return false }
      reader.position += length
    }
    return true
  }

  /// The fields of a rarely written numbered record, skipped so they can be copied whole.
  static func skipRareFields(_ tag: UInt8, _ reader: inout FieldReader) -> Bool {
    switch tag {
    case CaptureFormat.tickTag:
      return Self.skipUnsigned(&reader, 3)
    case CaptureFormat.modulesTag:
      guard let count = reader.canonicalUnsigned(), count <= CaptureFormat.maximumCount else { return false }
      for _ in 0..<count {
        guard Self.skipString(&reader), Self.skipUnsigned(&reader, 3) else { return false }
      }
      return true
    case CaptureFormat.markerTag:
      return Self.skipString(&reader)
    case CaptureFormat.commandTag:
      guard Self.skipString(&reader), let count = reader.canonicalUnsigned(), count <= CaptureFormat.maximumCount else {
        return false
      }
      for _ in 0..<count { guard Self.skipString(&reader) else { return false } }
      return true
    case CaptureFormat.endTag:
      return Self.skipUnsigned(&reader, 1)
    default:
      return false
    }
  }

  /// A record without an address (FRAME, THREAD, STRIPE and the rarely written numbered ones)
  /// into the columns, its tag already read; false on anything the tracker does not write. With
  /// `clockKeys` (version 6) `key` follows the chunk's keys.
  @inline(__always)
  mutating func packUnaddressed(
    _ tag: UInt8, _ reader: inout FieldReader, predictedNode: inout UInt64, previousParent: inout UInt64,
    key: inout UInt64, clockKeys: Bool
  ) -> Bool {
    // Never the implicit-number bit on these.
    switch tag {
    case CaptureFormat.frameTag:
      guard let parent = reader.canonicalUnsigned() else { return false }
      put(tag, PackedColumn.tag)
      putPlanes(PackedChunk.zigZag(Int64(bitPattern: parent &- previousParent)), PackedColumn.parent)
      previousParent = parent
      predictedNode = parent &+ 1
      return movePlanes(&reader, PackedColumn.ip)
    case CaptureFormat.threadTag:
      let start = reader.position
      guard let length = reader.varintLength() else { return false }
      reader.position += length
      put(tag, PackedColumn.tag)
      moveRare(&reader, from: start)
      return true
    case CaptureFormat.tickTag, CaptureFormat.modulesTag, CaptureFormat.markerTag, CaptureFormat.commandTag,
      CaptureFormat.endTag:
      put(tag, PackedColumn.tag)
      guard moveNumber(&reader, key: &key, clockKeys: clockKeys) else { return false }
      let start = reader.position
      guard Self.skipRareFields(tag, &reader) else { return false }
      moveRare(&reader, from: start)
      return true
    case CaptureFormat.stripeTag where clockKeys:
      // A failed realloc()'s stripe number: only ever clock-keyed (a reader calls any other damage).
      put(tag, PackedColumn.tag)
      guard moveKeyDelta(&reader, key: &key), key >= CaptureFormat.clockKeyBase else { return false }
      let start = reader.position
      guard Self.skipUnsigned(&reader, 2) else { return false }
      moveRare(&reader, from: start)
      return true
    default:
      return false
    }
  }

  /// An ALLOC's stack node into its column, as the difference from the predicted node.
  @inline(__always)
  mutating func putNode(_ reader: inout FieldReader, predictedNode: inout UInt64) -> Bool {
    guard let node = reader.canonicalUnsigned() else { return false }
    putPlanes(PackedChunk.zigZag(Int64(bitPattern: node &- predictedNode)), PackedColumn.node)
    predictedNode = node
    return true
  }

  /// What ``nextAddressedTag(_:predictedNode:previousParent:)`` found.
  enum NextAddressed: Equatable {
    case tag(UInt8)
    case end
    case refused
  }

  /// Packs the records without an address up to the next ALLOC, FREE or FREE_BACK, and reads its
  /// tag; `.end` after the last record, `.refused` on anything the tracker does not write.
  @inline(__always)
  mutating func nextAddressedTag(
    _ reader: inout FieldReader, predictedNode: inout UInt64, previousParent: inout UInt64, key: inout UInt64,
    clockKeys: Bool
  ) -> NextAddressed {
    while !reader.atEnd {
      let tag = reader.base[reader.position]
      reader.position += 1
      if tag & CaptureFormat.typeMask & ~CaptureFormat.nextNumberFlag != 0 { return .tag(tag) }
      guard
        packUnaddressed(
          tag, &reader, predictedNode: &predictedNode, previousParent: &previousParent, key: &key, clockKeys: clockKeys)
      else {
        return .refused
      }
    }
    return .end
  }

  /// Every record of the chunk into the columns; false on anything the tracker does not write.
  /// With `clockKeys` (version 6) each clock-keyed ALLOC's, FREE's and FREE_BACK's stripe number
  /// goes into the stripe planes.
  @inline(__always)
  mutating func packRecords(_ reader: inout FieldReader, clockKeys: Bool) -> Bool {
    var predictedNode: UInt64 = 0
    var previousParent: UInt64 = 0
    // The chunk's running key (followed only for version 6: it says which records have stripes).
    var key: UInt64 = 0
    while true {
      let next = nextAddressedTag(
        &reader, predictedNode: &predictedNode, previousParent: &previousParent, key: &key, clockKeys: clockKeys)
      guard case .tag(let tag) = next else { return next == .end }
      let type = tag & CaptureFormat.typeMask & ~CaptureFormat.nextNumberFlag
      // ALLOC, FREE, FREE_BACK (0x10, 0x20, 0x30 with the kind, and maybe the implicit-number bit).
      guard tag & PackedChunk.misalignedFlag == 0 else { return false }
      let tagIndex = counts[PackedColumn.tag]
      if clockKeys && key >= CaptureFormat.clockKeyBase {
        // After a clock key: whether this record has it again goes to the key flags.
        put(tag & ~CaptureFormat.nextNumberFlag, PackedColumn.tag)
        putKeyFlag(tag & CaptureFormat.nextNumberFlag != 0)
      } else {
        put(tag, PackedColumn.tag)
      }
      if tag & CaptureFormat.nextNumberFlag == 0 {
        guard moveNumber(&reader, key: &key, clockKeys: clockKeys) else { return false }
      } else if clockKeys && key < CaptureFormat.clockKeyBase {
        // The previous key + 1; after a clock key, the same key again.
        key &+= 1
      }
      switch type {
      case CaptureFormat.allocTag:
        guard let flag = putAddress(&reader, PackedColumn.allocAddress) else { return false }
        if flag != 0 && !overflowed { base[tagIndex] |= flag }
        guard movePlanes(&reader, PackedColumn.size), putNode(&reader, predictedNode: &predictedNode) else {
          return false
        }
      case CaptureFormat.freeTag:
        guard let flag = putAddress(&reader, PackedColumn.freeAddress) else { return false }
        if flag != 0 && !overflowed { base[tagIndex] |= flag }
      default:
        guard movePlanes(&reader, PackedColumn.back) else { return false }
      }
      if clockKeys && key >= CaptureFormat.clockKeyBase {
        guard movePlanes(&reader, PackedColumn.stripe) else { return false }
      }
    }
  }
}

// MARK: - Unpacking

/// Unpacks a COLUMNS record's body back into the records of its chunk, as the tracker wrote them
/// (with stand-ins for the addresses a second-layout body left out). Every read is checked: a damaged body throws, it never reads past its bytes.
struct ChunkUnpacker {
  let base: UnsafePointer<UInt8>
  /// Each column's read position, and where it ends: inside the unpacker, as the writer's counts
  /// are inside the writer (``ColumnWriter/counts``), so that no byte written seems to change them.
  var positions = InlineArray<31, Int>(repeating: 0)
  var ends = InlineArray<31, Int>(repeating: 0)
  /// The key flags taken from their column and not yet used (``PackedColumn/keyFlags``).
  var keyFlagByte: UInt8 = 0
  var keyFlagsLeft = 0
  /// The body's columns: 27, or 30 with stripe columns.
  var columnCount = PackedColumn.count
  var output: UnsafeMutablePointer<UInt8>
  let outputCapacity: Int
  var written = 0
  /// A record without an address could not be unpacked.
  var failed = false

  /// Unpacks `body` (column lengths, then columns) into `records`, which must have room for
  /// exactly the declared chunk length; returns false when the body does not hold such records.
  static func unpack(
    _ body: UnsafeRawBufferPointer, into records: UnsafeMutableRawBufferPointer, stream: UInt64 = 0,
    recent: RecentAllocations = RecentAllocations()
  ) -> Bool {
    guard let base = body.baseAddress, let output = records.baseAddress else { return body.isEmpty && records.isEmpty }
    let elided = body.starts(with: PackedChunk.elidedAddressesMarker)
    let stripes = body.starts(with: PackedChunk.stripeColumnsMarker)
    var unpacker = ChunkUnpacker(
      base: base.assumingMemoryBound(to: UInt8.self), output: output.assumingMemoryBound(to: UInt8.self),
      outputCapacity: records.count)
    if stripes { unpacker.columnCount = PackedColumn.withStripesCount }
    guard unpacker.readColumnLengths(body.count, from: elided || stripes ? 2 : 0) else { return false }
    let unpacked: Bool
    if stripes {
      unpacked = unpacker.unpackRecords(clockKeys: true)
    } else if elided {
      unpacked = unpacker.unpackElidedRecords(stream: stream, recent: recent)
    } else {
      unpacked = unpacker.unpackRecords(clockKeys: false)
    }
    return unpacked && unpacker.written == records.count
  }

  init(base: UnsafePointer<UInt8>, output: UnsafeMutablePointer<UInt8>, outputCapacity: Int) {
    self.base = base
    self.output = output
    self.outputCapacity = outputCapacity
  }

  mutating func readColumnLengths(_ count: Int, from start: Int) -> Bool {
    var position = start
    var lengths: [Int] = []
    lengths.reserveCapacity(columnCount)
    for _ in 0..<columnCount {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard position < count, shift < 63 else { return false }
        let byte = base[position]
        position += 1
        value |= UInt64(byte & 0x7f) << shift
        if byte < 0x80 { break }
        shift += 7
      }
      guard value <= UInt64(count) else { return false }
      lengths.append(Int(value))
    }
    for (column, length) in lengths.enumerated() {
      guard length <= count - position else { return false }
      positions[column] = position
      ends[column] = position + length
      position += length
    }
    return position == count
  }

  @inline(__always)
  mutating func take(_ column: Int) -> UInt8? {
    let position = positions[column]
    guard position < ends[column] else { return nil }
    positions[column] = position + 1
    return base[position]
  }

  @inline(__always)
  mutating func emit(_ byte: UInt8) -> Bool {
    guard written < outputCapacity else { return false }
    output[written] = byte
    written += 1
    return true
  }

  @inline(__always)
  mutating func emitUnsigned(_ value: UInt64) -> Bool {
    var value = value
    while value >= 0x80 {
      guard emit(UInt8(truncatingIfNeeded: value) | 0x80) else { return false }
      value >>= 7
    }
    return emit(UInt8(value))
  }

  /// A varint from the three planes at `column`, copied byte for byte to the output.
  @inline(__always)
  mutating func copyPlanes(_ column: Int) -> Bool {
    var plane = column
    for index in 0..<10 {
      guard let byte = take(plane), emit(byte) else { return false }
      if byte < 0x80 { return true }
      if index < 2 { plane += 1 }
    }
    return false
  }

  /// A key's delta from the number planes, copied byte for byte to the output and added to `key`.
  @inline(__always)
  mutating func copyKeyDelta(key: inout UInt64) -> Bool {
    var plane = PackedColumn.number
    var value: UInt64 = 0
    for index in 0..<10 {
      guard let byte = take(plane), emit(byte) else { return false }
      value |= UInt64(byte & 0x7f) << (7 * UInt64(index))
      if byte < 0x80 {
        key &+= value
        return true
      }
      if index < 2 { plane += 1 }
    }
    return false
  }

  /// The next key flag (``PackedColumn/keyFlags``); nil when the column is used up.
  @inline(__always)
  mutating func takeKeyFlag() -> Bool? {
    if keyFlagsLeft == 0 {
      guard let byte = take(PackedColumn.keyFlags) else { return nil }
      keyFlagByte = byte
      keyFlagsLeft = 8
    }
    let flag = keyFlagByte & 1 != 0
    keyFlagByte >>= 1
    keyFlagsLeft -= 1
    return flag
  }

  /// The number field of a numbered record: only copied, or (`clockKeys`) also added to `key`.
  @inline(__always)
  mutating func copyNumber(key: inout UInt64, clockKeys: Bool) -> Bool {
    clockKeys ? copyKeyDelta(key: &key) : copyPlanes(PackedColumn.number)
  }

  /// A varint's value from the three planes at `column`.
  @inline(__always)
  mutating func readPlanes(_ column: Int) -> UInt64? {
    var plane = column
    var value: UInt64 = 0
    for index in 0..<10 {
      guard let byte = take(plane) else { return nil }
      value |= UInt64(byte & 0x7f) << (7 * UInt64(index))
      if byte < 0x80 { return value }
      if index < 2 { plane += 1 }
    }
    return nil
  }

  /// An address delta from its column (and the low bits when `misaligned`), written as the
  /// tracker wrote it.
  @inline(__always)
  mutating func emitAddress(_ column: Int, misaligned: Bool) -> Bool {
    guard let delta = readAddressDelta(column, misaligned: misaligned) else { return false }
    return emitUnsigned(PackedChunk.zigZag(delta))
  }

  /// An address delta from its column (and the low bits when `misaligned`).
  @inline(__always)
  mutating func readAddressDelta(_ column: Int, misaligned: Bool) -> Int64? {
    guard let raw = readPlanes(column) else { return nil }
    var delta = PackedChunk.unZigZag(raw) &<< 4
    if misaligned {
      guard let low = take(PackedColumn.lowBits), low != 0, low < 16 else { return nil }
      delta |= Int64(low)
    }
    return delta
  }

  mutating func copyRare() -> Bool {
    guard let length = readPlanesFromRare() else { return false }
    for _ in 0..<length {
      guard let byte = take(PackedColumn.rare), emit(byte) else { return false }
    }
    return true
  }

  mutating func readPlanesFromRare() -> UInt64? {
    var value: UInt64 = 0
    for index in 0..<10 {
      guard let byte = take(PackedColumn.rare) else { return nil }
      value |= UInt64(byte & 0x7f) << (7 * UInt64(index))
      if byte < 0x80 { return value }
    }
    return nil
  }

  /// A record without an address from the columns, its tag already taken (see
  /// ``ColumnWriter/packUnaddressed(_:_:predictedNode:previousParent:key:clockKeys:)``).
  @inline(__always)
  mutating func unpackUnaddressed(
    _ tag: UInt8, predictedNode: inout UInt64, previousParent: inout UInt64, key: inout UInt64, clockKeys: Bool
  ) -> Bool {
    guard tag & CaptureFormat.nextNumberFlag == 0, emit(tag) else { return false }
    switch tag {
    case CaptureFormat.frameTag:
      guard let difference = readPlanes(PackedColumn.parent) else { return false }
      let parent = previousParent &+ UInt64(bitPattern: PackedChunk.unZigZag(difference))
      previousParent = parent
      predictedNode = parent &+ 1
      return emitUnsigned(parent) && copyPlanes(PackedColumn.ip)
    case CaptureFormat.threadTag:
      return copyRare()
    case CaptureFormat.tickTag, CaptureFormat.modulesTag, CaptureFormat.markerTag, CaptureFormat.commandTag,
      CaptureFormat.endTag:
      return copyNumber(key: &key, clockKeys: clockKeys) && copyRare()
    case CaptureFormat.stripeTag where clockKeys:
      return copyKeyDelta(key: &key) && key >= CaptureFormat.clockKeyBase && copyRare()
    default:
      return false
    }
  }

  /// An ALLOC's stack node from its column: the difference from the predicted node.
  @inline(__always)
  mutating func emitNode(predictedNode: inout UInt64) -> Bool {
    guard let difference = readPlanes(PackedColumn.node) else { return false }
    let node = predictedNode &+ UInt64(bitPattern: PackedChunk.unZigZag(difference))
    predictedNode = node
    return emitUnsigned(node)
  }

  /// Unpacks the records without an address up to the next ALLOC, FREE or FREE_BACK and takes
  /// its tag; nil after the last record, or on damage (then ``columnsUsedUp`` is false, or the
  /// output is short).
  @inline(__always)
  mutating func nextAddressedTag(
    predictedNode: inout UInt64, previousParent: inout UInt64, key: inout UInt64, clockKeys: Bool
  ) -> UInt8? {
    while let tag = take(PackedColumn.tag) {
      if tag & 0x70 != 0 { return tag }
      guard
        unpackUnaddressed(
          tag, predictedNode: &predictedNode, previousParent: &previousParent, key: &key, clockKeys: clockKeys)
      else {
        failed = true
        return nil
      }
    }
    return nil
  }

  /// Whether every column was used up: nothing left over that the records did not account for.
  var columnsUsedUp: Bool {
    if failed { return false }
    for column in 0..<columnCount where positions[column] != ends[column] { return false }
    return true
  }

  /// The first layout's records; with `clockKeys` (stripe columns) each clock-keyed ALLOC, FREE and
  /// FREE_BACK ends with its stripe number from the stripe planes.
  @inline(__always)
  mutating func unpackRecords(clockKeys: Bool) -> Bool {
    var predictedNode: UInt64 = 0
    var previousParent: UInt64 = 0
    var key: UInt64 = 0
    while var tag = nextAddressedTag(
      predictedNode: &predictedNode, previousParent: &previousParent, key: &key, clockKeys: clockKeys)
    {
      if clockKeys && key >= CaptureFormat.clockKeyBase {
        // After a clock key the tag column has no 0x80 bit: the key flags say it.
        guard tag & CaptureFormat.nextNumberFlag == 0, let same = takeKeyFlag() else { return false }
        if same { tag |= CaptureFormat.nextNumberFlag }
      }
      let type = tag & 0x30
      let misaligned = tag & PackedChunk.misalignedFlag != 0
      guard type != 0, !(misaligned && type == CaptureFormat.freeBackTag) else { return false }
      guard emit(tag & ~PackedChunk.misalignedFlag) else { return false }
      if tag & CaptureFormat.nextNumberFlag == 0 {
        guard copyNumber(key: &key, clockKeys: clockKeys) else { return false }
      } else if clockKeys && key < CaptureFormat.clockKeyBase {
        key &+= 1
      }
      switch type {
      case CaptureFormat.allocTag:
        guard emitAddress(PackedColumn.allocAddress, misaligned: misaligned), copyPlanes(PackedColumn.size),
          emitNode(predictedNode: &predictedNode)
        else { return false }
      case CaptureFormat.freeTag:
        guard emitAddress(PackedColumn.freeAddress, misaligned: misaligned) else { return false }
      default:
        guard copyPlanes(PackedColumn.back) else { return false }
      }
      if clockKeys && key >= CaptureFormat.clockKeyBase {
        guard copyPlanes(PackedColumn.stripe) else { return false }
      }
    }
    return columnsUsedUp
  }
}
