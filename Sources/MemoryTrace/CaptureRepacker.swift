// The compressor's first stage: a version 3 capture becomes version 5 (a version 6 one version 7),
// each CHUNK packed into a COLUMNS record when that compresses better (docs/capture-format.md,
// "Packed chunks").
import CZstd

/// Rewrites a plain capture's bytes, as they grow, into the bytes that go to zstd: the header with
/// version 5 (7 for a version 6 capture, whose clock-keyed records carry stripe numbers) and every
/// chunk either as it is or packed (``ChunkPacker``), whichever a quick zstd pass makes smaller (a
/// chunk that goes out as it is has its FREE_BACKs naming a left-out ALLOC written as FREEs:
/// ``FreeOfElided``). Captures of other versions, and anything after a record it does not know,
/// pass through untouched.
final class CaptureRepacker {
  private enum Stage {
    case header
    case records
    /// Not a version 3 or 6 capture, or a record that is not what the tracker writes: the rest
    /// goes through as it is.
    case passThrough
  }

  /// Which chunks are packed.
  enum Policy {
    /// Those that zstd's fastest level compresses smaller packed.
    case whereSmaller
    /// Every chunk that can be (for tests), in the second layout.
    case always
    /// Those that zstd's fastest level compresses smaller, in the second layout whatever the first
    /// chunks are like (for tests of chunks that go out as they are beside left-out ALLOCs).
    case whereSmallerElidingAddresses
  }

  private let policy: Policy
  /// The layout of the packed chunks, one for the whole capture once the first chunks have decided
  /// it (``recordBytesBeforeLayout``).
  enum Layout {
    /// Not decided yet: chunks are packed in the first layout, and the histories learn their ALLOCs
    /// as those of chunks that go out as they are, so that either layout may follow.
    case undecided
    /// Every address kept (the first layout), chosen when the first chunks, packed so, compress
    /// tenfold by zstd's fastest level: threads, trees, `alloc_churn.c`. zstd then finds
    /// the addresses in the chunks before, and the captures came out no larger than with the second
    /// layout (8 threads 1.23 MB against 1.23, the depth-20 tree 0.06 against 0.06, `tree_build.c`
    /// 0.04 against 0.05; `alloc_churn.c` 0.08 against 0.05, 2 threads 0.04 against 0.03; heaptrack's
    /// are 4.7 MB and more). Its packing needs no stream history: no ALLOC is ever left out, so a
    /// FREE_BACK never needs resolving. Compressing 8 threads' 66 MB capture took 0.48 s of CPU
    /// with the second layout, 0.34 s so (session 10).
    case keepsAddresses
    /// ALLOCs whose address nobody needs left out (the second layout), where packed columns are
    /// random: the random churn's capture is half of what the first layout makes of it. A chunk
    /// that compresses less than fourfold chooses it at once (and goes out in it itself).
    case elidesAddresses
  }
  private(set) var layout: Layout
  /// The chunks packed while the layout is undecided that compressed fourfold or more: their
  /// records' bytes, their packed bytes, and these compressed by zstd's fastest level.
  private var undecidedRecordBytes = 0
  private var undecidedPackedBytes = 0
  private var undecidedCompressedBytes = 0
  /// Chunk bytes packed before the layout is decided, unless a chunk decides it at once. The first
  /// chunks of threads are smaller and less alike than the rest (a `workshop run` of 8 threads:
  /// 16-110 KB packed, against 100-480 later), and one of them alone chose the second layout in one
  /// run of two.
  private static let recordBytesBeforeLayout = 512 << 10
  private var stage = Stage.header
  /// A version 6 capture: keys may be clock keys, whose records end with a stripe number. Chunks
  /// with clock keys are packed in the first layout with stripe columns (version 7), whatever the
  /// capture's layout: the second layout's stand-ins would move an address to another stripe.
  private(set) var clockKeys = false
  /// The last chunk was refused by the second layout for a clock key (``clockKeys`` only): it goes
  /// out in the first layout with stripe columns instead.
  private var clockKeyedChunk = false
  /// Bytes taken in but not yet passed on: the start of a record not yet whole.
  private var pending: [UInt8] = []
  private var output: [UInt8] = []
  /// Offsets in `output` where zstd should start a new block: around each large column, so that
  /// its Huffman table is the column's own (mixed into one block, columns cost 12 % more).
  private var blockStarts: [Int] = []
  /// Columns at least this long start and end a zstd block of their own.
  private static let blockOfItsOwn = 2048
  private var packer = ChunkPacker()
  /// Each stream's ALLOCs so far (the second layout resolves FREE_BACKs into earlier chunks), and
  /// the streams whose history is lost (a chunk the packer could not read): those stay as they are
  /// until EXEC or LOST starts every stream afresh.
  private var histories: [UInt64: PackedStreamHistory] = [:]
  private var streamsWithoutHistory: Set<UInt64> = []
  /// The packer's memory for the chunk at hand (its ALLOCs, once packed).
  private var scratch = ElisionScratch()
  /// The FREE_BACKs of a chunk that goes out as it is that must go out as FREEs instead.
  private var freesOfElided: [FreeOfElided] = []
  private var rewritten: [UInt8] = []
  /// zstd's fastest level decides, chunk by chunk, which of the two layouts goes out.
  private let trial: OpaquePointer
  private var trialOutput: UnsafeMutableRawBufferPointer
  /// Chunks seen, and the bytes of their records, all and packed.
  private(set) var chunkCount = 0
  private(set) var chunkByteCount = 0
  private(set) var packedByteCount = 0
  /// A stream's trial runs on every chunk while its verdicts change, and on every second, fourth,
  /// up to every eighth chunk while they agree; the chunks in between follow the last verdict (a
  /// program's records keep their character for a while, and a trial costs two compressions).
  private static let longestTrialInterval = 8
  /// While packing pays by far (packed chunks compress to under half of the plain ones: the
  /// churn's 0.39-0.45, threads' and trees' 0.03-0.07), up to every 32nd: the trials between cost
  /// the churn's compression about 2 % and 8 threads' 4 %, and gave the same verdicts (the same
  /// captures, byte for byte, on ten workloads). Near the line (python's 0.66-0.76, sqlite's
  /// 0.91-0.99) every eighth still: every 32nd there let python's capture grow 5 % (session 7).
  /// Spacing them out four times as fast while packing pays by far (session 13) saved 8 threads'
  /// compression 4 %, but missed verdicts that changed: on the same plain captures tree20's grew
  /// 56,506 -> 96,440 bytes and python's 100,325 -> 136,202; not kept.
  private static let longestClearTrialInterval = 32
  /// Chunks smaller than this stay as they are, untried (the sampler's TICKs, a thread's last few
  /// records): they weigh little, and their verdict says nothing about the big ones.
  private static let smallestTried = 4096
  /// The packed bytes the trials compressed, and what they compressed to.
  private var trialPackedBytes = 0
  private var trialPackedCompressed = 0
  /// Whether the packed chunks tried so far compressed tenfold or more (true before any trial):
  /// columns that repeat like that repeat from chunk to chunk too, which zstd's long-distance
  /// matching finds; random ones (the churn's sizes and ranks: about 2.3-fold) gain nothing from
  /// it.
  var packedChunksRepeat: Bool { trialPackedCompressed * 10 <= trialPackedBytes }
  /// Each stream's trial state: chunks until its next trial, the interval, the last verdict.
  private var trials: [UInt64: (chunksUntilTrial: Int, interval: Int, packingPaid: Bool?)] = [:]

  init(policy: Policy = .whereSmaller) {
    self.policy = policy
    layout = policy == .whereSmaller ? .undecided : .elidesAddresses
    trial = ZSTD_createCCtx()
    trialOutput = .allocate(byteCount: 1 << 16, alignment: 16)
  }

  deinit {
    ZSTD_freeCCtx(trial)
    trialOutput.deallocate()
    packer.deallocate()
    scratch.deallocate()
  }

  /// Takes the next plain bytes; calls `emit` with the bytes that go out (possibly none), and
  /// `endBlock` between two pieces of them that zstd compresses best in blocks of their own.
  func take(
    _ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws(CaptureError) -> Void,
    endBlock: () throws(CaptureError) -> Void = {}
  ) throws(CaptureError) {
    if case .passThrough = stage, pending.isEmpty {
      try emit(bytes)
      return
    }
    output.removeAll(keepingCapacity: true)
    blockStarts.removeAll(keepingCapacity: true)
    // The new bytes are read where they are; only a record cut off at the end of the last ones
    // (completed from the start of these) and one cut off at their own end are copied, where every
    // byte of the capture went through `pending` before.
    var rest = bytes
    if !pending.isEmpty {
      let taken = min(bytes.count, pendingRecordShortfall(with: bytes) ?? bytes.count)
      pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<taken]))
      let consumed = pending.withUnsafeBytes { process($0) }
      pending.removeFirst(consumed)
      rest = UnsafeRawBufferPointer(rebasing: bytes[taken...])
      if !pending.isEmpty {
        pending.append(contentsOf: rest)
        rest = UnsafeRawBufferPointer(start: nil, count: 0)
      }
    }
    if !rest.isEmpty {
      let consumed = process(rest)
      pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[consumed...]))
    }
    var start = 0
    for blockStart in blockStarts where blockStart > start && blockStart < output.count {
      try Self.emit(output[start..<blockStart], to: emit)
      try endBlock()
      start = blockStart
    }
    try Self.emit(output[start...], to: emit)
  }

  /// How many of `bytes` complete the CHUNK that `pending` starts, when its length is known from
  /// `pending` and the start of `bytes`; nil for anything else (the header, another record), which
  /// takes them all.
  private func pendingRecordShortfall(with bytes: UnsafeRawBufferPointer) -> Int? {
    guard case .records = stage, pending[0] == CaptureFormat.chunkTag else { return nil }
    // The tag and three varints (thread, stream, length): at most 31 bytes.
    var head = Array(pending.prefix(32))
    head.append(contentsOf: bytes.prefix(32 - head.count))
    let fields: (end: Int, length: UInt64)? = head.withUnsafeBytes { head in
      var cursor = ByteCursor(base: head.baseAddress!, end: head.count, position: 1, recordStart: 0)
      do throws(DecodeStop) {
        _ = try cursor.unsigned()
        _ = try cursor.unsigned()
        let length = try cursor.unsigned()
        return (cursor.position, length)
      } catch {
        return nil
      }
    }
    guard let fields, fields.length <= UInt64(CaptureFormat.maximumRecordBytes) else { return nil }
    return max(0, fields.end + Int(fields.length) - pending.count)
  }

  /// The end of the file: whatever is left (a record cut short) goes out as it is.
  func finish(emit: (UnsafeRawBufferPointer) throws(CaptureError) -> Void) throws(CaptureError) {
    try Self.emit(pending[...], to: emit)
    pending.removeAll()
  }

  private static func emit(
    _ bytes: ArraySlice<UInt8>, to emit: (UnsafeRawBufferPointer) throws(CaptureError) -> Void
  ) throws(CaptureError) {
    guard !bytes.isEmpty else { return }
    do {
      try bytes.withUnsafeBytes { try emit($0) }
    } catch let error as CaptureError {
      throw error
    } catch {
      preconditionFailure("emit throws only CaptureError")
    }
  }

  /// Rewrites whole records from the start of `bytes` into `output`; returns the bytes used.
  private func process(_ bytes: UnsafeRawBufferPointer) -> Int {
    var position = 0
    if case .header = stage {
      let size = CaptureFormat.headerSize
      guard bytes.count >= size else { return 0 }
      let version = UInt16(bytes[8]) | UInt16(bytes[9]) << 8
      let headerSize = Int(UInt16(bytes[10]) | UInt16(bytes[11]) << 8)
      output.append(contentsOf: bytes[0..<size])
      let known = version == CaptureFormat.trackerVersion || version == CaptureFormat.clockVersion
      if bytes.starts(with: CaptureFormat.magic) && known && headerSize == size {
        clockKeys = version == CaptureFormat.clockVersion
        let packedVersion = clockKeys ? CaptureFormat.clockPackedVersion : CaptureFormat.version
        output[8] = UInt8(truncatingIfNeeded: packedVersion)
        output[9] = UInt8(truncatingIfNeeded: packedVersion >> 8)
        stage = .records
      } else {
        stage = .passThrough
      }
      position = size
    }
    if case .passThrough = stage {
      output.append(contentsOf: bytes[position...])
      return bytes.count
    }
    while position < bytes.count {
      switch nextRecord(bytes, at: position) {
      case .incomplete:
        return position
      case .unknown:
        stage = .passThrough
        output.append(contentsOf: bytes[position...])
        return bytes.count
      case .other(let end):
        if bytes[position] == CaptureFormat.execTag || bytes[position] == CaptureFormat.lostTag {
          // FREE_BACK counts start again, in every stream.
          histories.removeAll()
          streamsWithoutHistory.removeAll()
        }
        output.append(contentsOf: bytes[position..<end])
        position = end
      case .chunk(let stream, let idsEnd, let fieldsEnd, let end):
        chunkCount += 1
        chunkByteCount += end - fieldsEnd
        let records = UnsafeRawBufferPointer(rebasing: bytes[fieldsEnd..<end])
        if layout == .keepsAddresses {
          // No ALLOC was ever left out: nothing to learn, nothing to rewrite, whatever the stream.
          if let unpackedLength = packedLength(records, stream: stream, history: nil) {
            appendPacked(
              bytes, chunkAt: position, idsEnd: idsEnd, recordsStart: fieldsEnd, end: end,
              unpackedLength: unpackedLength)
          } else {
            output.append(contentsOf: bytes[position..<end])
          }
          position = end
          continue
        }
        // A stream whose history was given up gets no new one: its chunks stay as they are.
        let history = streamsWithoutHistory.contains(stream) ? nil : histories[stream] ?? newHistory(of: stream)
        clockKeyedChunk = false
        // The byte count of the records a reader unpacks, when the chunk goes out packed.
        let unpackedLength = history.flatMap { packedLength(records, stream: stream, history: $0) }
        if layout == .keepsAddresses {
          // This chunk decided it: the histories are needed no more.
          histories.removeAll()
          freesOfElided.removeAll(keepingCapacity: true)
        } else if unpackedLength != nil, let history, layout == .elidesAddresses {
          scratch.record(in: history)
        } else {
          freesOfElided.removeAll(keepingCapacity: true)
          if let history,
            !ChunkPacker.recordAllocations(records, in: history, freesOfElided: &freesOfElided, clockKeys: clockKeys)
          {
            histories[stream] = nil
            streamsWithoutHistory.insert(stream)
          } else if clockKeyedChunk && history != nil {
            // Refused by the second layout for its clock keys: packed in the first, stripes and
            // all, its FREE_BACKs naming a left-out ALLOC written as FREEs first.
            if !freesOfElided.isEmpty {
              rewritten.removeAll(keepingCapacity: true)
              ChunkPacker.rewrite(records, freesOfElided: freesOfElided, into: &rewritten)
            }
            let packed =
              freesOfElided.isEmpty
              ? packer.pack(records, clockKeys: true) : rewritten.withUnsafeBytes { packer.pack($0, clockKeys: true) }
            if packed {
              appendPacked(
                bytes, chunkAt: position, idsEnd: idsEnd, recordsStart: fieldsEnd, end: end,
                unpackedLength: freesOfElided.isEmpty ? records.count : rewritten.count)
              position = end
              continue
            }
          }
        }
        if let unpackedLength {
          appendPacked(
            bytes, chunkAt: position, idsEnd: idsEnd, recordsStart: fieldsEnd, end: end,
            unpackedLength: unpackedLength)
        } else if freesOfElided.isEmpty {
          output.append(contentsOf: bytes[position..<end])
        } else {
          rewritten.removeAll(keepingCapacity: true)
          ChunkPacker.rewrite(records, freesOfElided: freesOfElided, into: &rewritten)
          output.append(CaptureFormat.chunkTag)
          output.append(contentsOf: bytes[(position + 1)..<idsEnd])
          appendUnsigned(UInt64(rewritten.count), to: &output)
          output.append(contentsOf: rewritten)
        }
        position = end
      }
    }
    return position
  }

  /// The chunk at `position` as a COLUMNS record of what the packer holds.
  private func appendPacked(
    _ bytes: UnsafeRawBufferPointer, chunkAt position: Int, idsEnd: Int, recordsStart: Int, end: Int,
    unpackedLength: Int
  ) {
    packedByteCount += end - recordsStart
    output.append(CaptureFormat.columnsTag)
    // Thread and stream as the CHUNK has them, then the two lengths.
    output.append(contentsOf: bytes[(position + 1)..<idsEnd])
    appendUnsigned(UInt64(unpackedLength), to: &output)
    appendUnsigned(UInt64(packer.packed.count), to: &output)
    var columnStart = output.count + packer.packed.count - packer.columnLengths.reduce(0, +)
    output.append(contentsOf: packer.packed)
    for length in packer.columnLengths {
      if length >= Self.blockOfItsOwn { blockStarts.append(contentsOf: [columnStart, columnStart + length]) }
      columnStart += length
    }
  }

  private enum NextRecord {
    case incomplete
    case unknown
    case other(end: Int)
    /// A CHUNK: its thread and stream end at `idsEnd`, its records run from `fieldsEnd` to `end`.
    case chunk(stream: UInt64, idsEnd: Int, fieldsEnd: Int, end: Int)
  }

  /// Where the top-level record at `position` ends.
  private func nextRecord(_ bytes: UnsafeRawBufferPointer, at position: Int) -> NextRecord {
    var cursor = position + 1
    func unsigned() -> UInt64? {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while cursor < bytes.count {
        let byte = bytes[cursor]
        cursor += 1
        guard shift < 63 else { return nil }
        value |= UInt64(byte & 0x7f) << shift
        if byte < 0x80 { return value }
        shift += 7
      }
      return nil
    }
    // A varint cut off by the end of the bytes at hand, as opposed to one too long to be right.
    func cutOff() -> Bool { cursor >= bytes.count }
    let fields: Int
    switch bytes[position] {
    case CaptureFormat.chunkTag:
      guard unsigned() != nil, let stream = unsigned() else { return cutOff() ? .incomplete : .unknown }
      let idsEnd = cursor
      guard let length = unsigned() else { return cutOff() ? .incomplete : .unknown }
      guard length <= UInt64(CaptureFormat.maximumRecordBytes) else { return .unknown }
      let end = cursor + Int(length)
      return end <= bytes.count ? .chunk(stream: stream, idsEnd: idsEnd, fieldsEnd: cursor, end: end) : .incomplete
    case CaptureFormat.syncTag, CaptureFormat.execTag:
      fields = 1
    case CaptureFormat.lostTag:
      fields = 2
    default:
      return .unknown
    }
    for _ in 0..<fields {
      guard unsigned() != nil else { return cutOff() ? .incomplete : .unknown }
    }
    return .other(end: cursor)
  }

  private func newHistory(of stream: UInt64) -> PackedStreamHistory {
    let history = PackedStreamHistory()
    histories[stream] = history
    return history
  }

  /// Packs `records` into the packer if they go out packed; returns the byte count of the records
  /// a reader unpacks from them then, or nil when they go out as they are.
  private func packedLength(_ records: UnsafeRawBufferPointer, stream: UInt64, history: PackedStreamHistory?) -> Int? {
    if policy == .always { return pack(records, stream: stream, history: history) }
    guard records.count >= Self.smallestTried else { return nil }
    var trial = trials[stream] ?? (chunksUntilTrial: 0, interval: 1, packingPaid: nil)
    defer { trials[stream] = trial }
    if trial.chunksUntilTrial > 0 {
      trial.chunksUntilTrial -= 1
      return trial.packingPaid == true ? pack(records, stream: stream, history: history) : nil
    }
    guard let length = pack(records, stream: stream, history: history) else { return nil }
    let (pays, byFar) = packingPays(records)
    let longest = byFar ? Self.longestClearTrialInterval : Self.longestTrialInterval
    trial.interval = pays == trial.packingPaid ? min(2 * trial.interval, longest) : 1
    trial.chunksUntilTrial = trial.interval - 1
    trial.packingPaid = pays
    return pays ? length : nil
  }

  /// Packs the chunk in the capture's layout (the second one's ALLOCs left in `scratch`), deciding
  /// the layout on the first chunk; the byte count of the records a reader unpacks from it, or nil
  /// when it cannot be packed. `history` is the stream's, nil once the first layout is chosen.
  private func pack(_ records: UnsafeRawBufferPointer, stream: UInt64, history: PackedStreamHistory?) -> Int? {
    packedTrialSize = nil
    if layout == .undecided {
      // Until the layout is decided, chunks go out in the first layout (its records' ALLOCs then
      // go into the history as a plain chunk's do), so that either may follow.
      guard packer.pack(records, clockKeys: clockKeys) else { return nil }
      let compressed = compressedSize(packer.packed)
      if compressed * 4 <= packer.packed.count {
        undecidedRecordBytes += records.count
        undecidedPackedBytes += packer.packed.count
        undecidedCompressedBytes += compressed
        guard undecidedRecordBytes >= Self.recordBytesBeforeLayout else { return records.count }
        if undecidedCompressedBytes * 10 <= undecidedPackedBytes {
          layout = .keepsAddresses
          return records.count
        }
      }
      // Random columns (under fourfold at once): this chunk already goes out in the second layout.
      packedTrialSize = nil
      layout = .elidesAddresses
    }
    if layout == .keepsAddresses { return packer.pack(records, clockKeys: clockKeys) ? records.count : nil }
    guard let history else { return nil }
    return packer.packElidingAddresses(
      records, stream: stream, history: history, scratch: &scratch, clockKeys: clockKeys,
      clockKeyMet: &clockKeyedChunk)
  }

  /// What zstd's fastest level made of the packer's bytes while the layout was undecided, for the
  /// trial on the same bytes (nil once the packer holds others, or when zstd failed).
  private var packedTrialSize: Int?

  /// The size zstd's fastest level shrinks `packed` to (its size when zstd fails).
  private func compressedSize(_ packed: [UInt8]) -> Int {
    let bound = ZSTD_compressBound(packed.count)
    if trialOutput.count < bound {
      trialOutput.deallocate()
      trialOutput = .allocate(byteCount: bound, alignment: 16)
    }
    let compressed = packed.withUnsafeBytes {
      ZSTD_compressCCtx(trial, trialOutput.baseAddress, trialOutput.count, $0.baseAddress, $0.count, 1)
    }
    if ZSTD_isError(compressed) != 0 { return packed.count }
    // The trial that follows compresses the same packed bytes, at the same level.
    packedTrialSize = compressed
    return compressed
  }

  /// Whether the packed chunk compresses a tenth smaller than the plain one, by zstd's fastest level
  /// (sqlite's repetitive records compress best as they are; random sizes and addresses, and
  /// new stacks' FRAMEs, best packed), and whether to under half of it.
  ///
  /// The packed chunk is compressed first, and the plain one into twice its size only
  /// (``plainCompressedSize(_:room:)``): past that the verdict is "by far" whatever the exact
  /// size, and zstd stops at the first 128 KiB block that does not fit: on threads and trees,
  /// whose packed chunks compress to 0.03-0.07 of the plain ones, after the first of a chunk's
  /// four blocks.
  private func packingPays(_ records: UnsafeRawBufferPointer) -> (pays: Bool, byFar: Bool) {
    let bound = ZSTD_compressBound(records.count + 64) + packer.packed.count
    if trialOutput.count < bound {
      trialOutput.deallocate()
      trialOutput = .allocate(byteCount: bound, alignment: 16)
    }
    let packed =
      packedTrialSize
      ?? packer.packed.withUnsafeBytes {
        ZSTD_compressCCtx(trial, trialOutput.baseAddress, trialOutput.count, $0.baseAddress, $0.count, 1)
      }
    packedTrialSize = nil
    if ZSTD_isError(packed) != 0 { return (false, false) }
    trialPackedBytes += packer.packed.count
    trialPackedCompressed += packed
    guard let plain = plainCompressedSize(records, room: 2 * packed) else { return (true, true) }
    if ZSTD_isError(plain) != 0 { return (false, false) }
    // A tenth smaller at least: sqlite's chunks came out 1-9 % smaller packed in a trial, yet as
    // they are zstd matched them against the chunks before them (its capture: 0.109 MB with
    // them packed, 0.100 without). Those that pay pay far more (packed to 0.39-0.45 of the plain
    // size on the churn, 0.05-0.07 on threads, 0.66-0.76 on python, 0.03-0.07 on a tree).
    return (packed * 10 < plain * 9, packed * 2 < plain)
  }

  /// The size zstd's fastest level compresses `records` to (or its error), or nil when that is
  /// more than `room` bytes. When every block of the chunk is longer than the room, they are
  /// compressed into the room only: zstd's output does not depend on the room it is given until a
  /// block does not fit, and a block that does not fit compressed is written as it is only if it
  /// fits so, which it cannot then. A chunk's blocks are 128 KiB (``ZSTD_BLOCKSIZE_MAX``: level 1's
  /// window is at least that for chunks longer than it), the last one the rest. Otherwise they are
  /// compressed whole.
  private func plainCompressedSize(_ records: UnsafeRawBufferPointer, room: Int) -> Int? {
    let blockSize = Int(ZSTD_BLOCKSIZE_MAX)
    let lastBlock = records.count <= blockSize ? records.count : (records.count - 1) % blockSize + 1
    let capacity = room < lastBlock ? room : trialOutput.count
    let plain = ZSTD_compressCCtx(trial, trialOutput.baseAddress, capacity, records.baseAddress, records.count, 1)
    if ZSTD_isError(plain) != 0 && ZSTD_getErrorCode(plain) == ZSTD_error_dstSize_tooSmall && capacity == room {
      return nil
    }
    return ZSTD_isError(plain) == 0 && plain > room ? nil : plain
  }
}
