// Version 3 decoding of held chunks: a stream whose record must wait keeps the rest of its chunk,
// and its later chunks, as bytes; its next record is decoded when the one before it is delivered.

extension RecordDecoder {
  /// The chunk loop met a record that waits (``waiting``): the rest of the chunk, from `cursor` on,
  /// is held, its stream too (its later chunks queue behind), and the record waits in its merge.
  @inline(never)
  mutating func hold(
    _ cursor: ByteCursor, decoding: ChunkDecoding, following: (SequencedRecord, StripeNumber)?, stream: UInt64,
    recent: RecentAllocations, fileOffset: Int, damageOffset: Int
  ) throws(DecodeStop) {
    guard let (record, stripe) = waiting else { return }
    waiting = nil
    let remaining = cursor.end - cursor.position
    try checkHeldBytes(adding: remaining + HeldStream.overhead, offset: record.offset)
    var chunk = HeldChunk(
      copying: cursor.base + cursor.position, count: remaining, recordBase: fileOffset + cursor.position,
      thread: decoding.thread)
    chunk.number = chunkNumber
    chunk.damageOffset = damageOffset
    var waitingStream = HeldStream(
      head: record, headStripe: stripe, chunk: chunk, decoding: decoding, recent: recent, stream: stream,
      byteCount: chunk.heldBytes + HeldStream.overhead)
    if let (next, nextStripe) = following {
      waitingStream.pending = (next, nextStripe, isStacked(next))
      waitingStream.hasPending = true
    }
    place(held.add(waitingStream))
  }

  /// A chunk (or a COLUMNS body, `unpackedLength` ≥ 0) of a stream that holds records: it waits
  /// behind them, as bytes.
  mutating func enqueue(
    copying source: UnsafeRawPointer, count: Int, recordBase: Int, thread: UInt64, damageOffset: Int,
    unpackedLength: Int, in slot: Int, offset: Int
  ) throws(DecodeStop) {
    try checkHeldBytes(adding: count, offset: offset)
    var chunk = HeldChunk(copying: source, count: count, recordBase: recordBase, thread: thread)
    chunk.number = chunkNumber
    chunk.damageOffset = damageOffset
    chunk.unpackedLength = unpackedLength
    held.enqueue(chunk, in: slot)
  }

  private func checkHeldBytes(adding count: Int, offset: Int) throws(DecodeStop) {
    // A real capture holds what its threads wrote between two SYNCs: 10 ms, at most about a
    // quarter of a second when one thread holds its buffer that long (the tracker then waits).
    guard held.byteCount + count + HeldChunk.overhead <= CaptureFormat.maximumHeldBytes else {
      throw .damagedInFile(offset: offset, .tooManyHeldBytes(byteCount: CaptureFormat.maximumHeldBytes))
    }
  }

  /// Whether `record` defines nodes or is a MODULES (the clock merge delivers those in key order).
  private func isStacked(_ record: SequencedRecord) -> Bool {
    isStacked(frameCount: record.frameCount, extra: record.extra)
  }

  @inline(__always)
  private func isStacked(frameCount: UInt32, extra: Int32) -> Bool {
    if frameCount > 0 { return true }
    if extra >= 0, case .modules? = extras[Int(extra)] { return true }
    return false
  }

  /// Puts the head of `slot` in the merge its key belongs to.
  private mutating func place(_ slot: Int) {
    let sequence = held.slots[slot].head.sequence
    if clockKeysAllowed && sequence >= CaptureFormat.clockKeyBase {
      prepareClockKeyedHead(slot)
      clockMerge.push(slot, streams: held.slots)
    } else {
      merger.push(slot, sequence: sequence)
    }
  }

  /// The clock merge's view of the head of `slot`: whether it defines nodes, its thread's place.
  @inline(__always)
  private mutating func prepareClockKeyedHead(_ slot: Int) {
    let streams = held.slots
    // The head's fields read one by one, not the head copied whole (see decodeHead).
    streams[slot].headStacked = isStacked(frameCount: streams[slot].head.frameCount, extra: streams[slot].head.extra)
    let thread = streams[slot].head.thread
    if !streams[slot].orderKnown || streams[slot].orderThread != thread {
      // Its chunk's number, then its place in the file (offsets below 2^40).
      let offset = streams[slot].head.offset
      let place = streams[slot].chunk.number << 40 | UInt64(truncatingIfNeeded: offset) & (1 << 40 - 1)
      streams[slot].order = clockMerge.order(of: thread, place: place)
      streams[slot].orderThread = thread
      streams[slot].orderKnown = true
    }
  }

  /// Takes the head of the stream at the top of the counter merge; the stream's next record, if
  /// any, takes its place (in the clock merge if it is clock-keyed).
  mutating func takeSmallestCounterKeyed() throws(DecodeStop) -> SequencedRecord {
    let slot = merger.smallestSlot
    let record = held.slots[slot].head
    if try advance(slot) {
      let sequence = held.slots[slot].head.sequence
      if clockKeysAllowed && sequence >= CaptureFormat.clockKeyBase {
        merger.removeSmallest()
        prepareClockKeyedHead(slot)
        clockMerge.push(slot, streams: held.slots)
      } else {
        merger.replaceSmallest(with: sequence)
      }
    } else {
      merger.removeSmallest()
    }
    return record
  }

  /// Takes the head of `slot`, chosen by the clock merge; the stream's next record, if any, takes
  /// its place. (Inlined into the delivery loop with the merge's steps it calls: as a dozen calls
  /// per record they were a third of reading a clock-keyed capture, inlined 11 % less in all.)
  @inline(__always)
  mutating func takeClockKeyed(_ slot: Int) throws(DecodeStop) -> SequencedRecord {
    let record = held.slots[slot].head
    let taken = (stripe: held.slots[slot].headStripe, stacked: held.slots[slot].headStacked)
    var staying = false
    if try advance(slot) {
      let sequence = held.slots[slot].head.sequence
      if sequence >= CaptureFormat.clockKeyBase {
        prepareClockKeyedHead(slot)
        staying = true
      } else {
        merger.push(slot, sequence: sequence)  // a damaged capture: keys fell
      }
    }
    clockMerge.advanced(slot, taken: taken, staying: staying, streams: held.slots)
    return record
  }

  /// Takes the head of `slot`, chosen by the clock merge among the heads keyed below `written`,
  /// and delivers it; then, while nothing is parked, delivers the stream's next records as long as
  /// each would be chosen next anyway: before every other head in the heap (their order among
  /// equal keys kept: ``ClockKeyedMerge/leads(key:rank:order:slot:below:)``) and keyed below
  /// `written`, defining no nodes, waiting for no stripe number and no node. Such a run decodes
  /// its records from the stream's chunk into locals, not into the stream's head (reading back
  /// what was just written there stalled on every record), and skips the merge's steps (its
  /// choice, the heap's sift, the stripe's wake-ups, which would find nothing); the stream's head
  /// and the heap's entry are brought up to date once, when the run ends.
  @inline(__always)
  mutating func deliverClockKeyedRun<Visitor: CaptureVisitor>(
    _ slot: Int, below written: UInt64, into visitor: inout Visitor
  ) throws(DecodeStop) {
    let streams = held.slots
    // Records decoded ahead or a realloc's ALLOC waiting: one record the general way.
    guard streams[slot].decodedHead == streams[slot].decodedCount && !streams[slot].hasPending else {
      return try deliver(try takeClockKeyed(slot), into: &visitor)
    }
    // No record of the run defines nodes: the count stays.
    let definedNodes = UInt64(frames.count) &- nodeBase
    var record = streams[slot].head
    var stripe = streams[slot].headStripe
    var stacked = streams[slot].headStacked
    var next = SequencedRecord(sequence: 0, thread: 0, offset: 0, body: .rare, extra: -1)
    var nextStripe = StripeNumber.none
    while true {
      let position = streams[slot].chunk.position
      let end = streams[slot].chunk.end
      var decoded = false
      if position < end {
        var cursor = ByteCursor(
          base: UnsafeRawPointer(streams[slot].chunk.bytes), end: end, position: position, recordStart: position)
        var count = 0
        do throws(DecodeStop) {
          decoded = try nextRecord(
            &cursor, &streams[slot].decoding, recent: &streams[slot].recent, fileOffset: streams[slot].chunk.recordBase,
            count: &count, clockKeysAllowed: clockKeysAllowed, into: &next, stripe: &nextStripe)
        } catch {
          throw heldDamage(error, in: streams[slot].chunk, cursor: cursor)
        }
        streams[slot].chunk.position = cursor.position
        heldRecordCount += count
      }
      if !decoded {
        // The chunk's end: the stream's next chunks, or its end, the general way.
        streams[slot].head = record
        streams[slot].headStripe = stripe
        streams[slot].headStacked = stacked
        return try deliver(try takeClockKeyed(slot), into: &visitor)
      }
      let sequence = next.sequence
      let nextStacked = isStacked(frameCount: next.frameCount, extra: next.extra)
      var rank: UInt8 = 1
      var goesOn = false
      switch next.body {
      case .alloc(_, _, _, let localStack, _):
        rank = 0
        goesOn = localStack < definedNodes
      case .free(let kind, _, _):
        goesOn = kind != .realloc  // paired with the ALLOC after it, the general way
      case .rare:
        goesOn = true
      }
      goesOn =
        goesOn && !stacked && !nextStacked && sequence >= CaptureFormat.clockKeyBase && streams[slot].orderKnown
        && streams[slot].orderThread == next.thread
        && clockMerge.leads(key: sequence, rank: rank, order: streams[slot].order, slot: slot, below: written)
      if goesOn {
        clockMerge.tookInRun(stripe)
        goesOn = !clockMerge.waitsForStripe(nextStripe)
      }
      if goesOn {
        try deliver(record, into: &visitor)
        record = next
        stripe = nextStripe
        stacked = false
        continue
      }
      // The run ends: the record decoded is the stream's head, as takeClockKeyed(_:) leaves it.
      streams[slot].head = next
      streams[slot].headStripe = nextStripe
      try pairIfRealloc(slot)
      let taken = (stripe: stripe, stacked: stacked)
      var staying = false
      if streams[slot].head.sequence >= CaptureFormat.clockKeyBase {
        prepareClockKeyedHead(slot)
        staying = true
      } else {
        merger.push(slot, sequence: streams[slot].head.sequence)  // a damaged capture: keys fell
      }
      clockMerge.advanced(slot, taken: taken, staying: staying, streams: streams)
      return try deliver(record, into: &visitor)
    }
  }

  /// Decodes the next record of the stream in `slot` into its head; false when the stream holds no
  /// more (its slot is then free, its allocations the decoder's again).
  @inline(__always)
  private mutating func advance(_ slot: Int) throws(DecodeStop) -> Bool {
    let streams = held.slots
    assert(streams[slot].decodedCount == streams[slot].decoded.count, "decodedCount mirrors decoded.count")
    if streams[slot].decodedHead < streams[slot].decodedCount {
      let entry = streams[slot].decoded[streams[slot].decodedHead]
      streams[slot].decodedHead += 1
      held.releaseDecoded(Self.decodedRecordBytes, of: slot)
      streams[slot].head = entry.record
      streams[slot].headStripe = entry.stripe
      return true
    }
    if try produce(slot) { return true }
    if let (stream, recent) = held.remove(slot) { recentAllocations[stream] = recent }
    return false
  }

  /// The key of the first numbered record of a chunk's `count` bytes, or nil when it has none or
  /// is damaged (the damage is reported when the chunk is decoded).
  static func firstKey(_ bytes: UnsafeRawPointer, count: Int) -> UInt64? {
    var cursor = ByteCursor(base: bytes, end: count, position: 0, recordStart: 0)
    do throws(DecodeStop) {
      while cursor.position < cursor.end {
        let tag = try cursor.byte()
        if tag == CaptureFormat.frameTag {
          _ = try cursor.unsigned()
          _ = try cursor.unsigned()
        } else if tag == CaptureFormat.threadTag {
          _ = try cursor.unsigned()
        } else if tag & CaptureFormat.nextNumberFlag != 0
          && tag & CaptureFormat.typeMask & ~CaptureFormat.nextNumberFlag != 0
        {
          return 1  // the previous key (0 at a chunk's start) + 1
        } else {
          return try cursor.unsigned()
        }
      }
    } catch {
      return nil
    }
    return nil
  }

  /// What a record decoded ahead counts for against the reader's bound.
  private static let decodedRecordBytes = MemoryLayout<SequencedRecord>.stride + 32

  /// Decodes the next record of the stream in `slot` into its head, a realloc's FREE paired with the
  /// ALLOC after it in its chunk (FRAMEs aside), which then waits in `pending`; false when the
  /// stream has no more.
  @inline(__always)
  private mutating func produce(_ slot: Int) throws(DecodeStop) -> Bool {
    let streams = held.slots
    assert(streams[slot].hasPending == (streams[slot].pending != nil), "hasPending mirrors pending")
    if streams[slot].hasPending, let pending = streams[slot].pending {
      streams[slot].pending = nil
      streams[slot].hasPending = false
      streams[slot].head = pending.record
      streams[slot].headStripe = pending.stripe
    } else if try !decodeHead(slot, crossingChunks: true) {
      return false
    }
    try pairIfRealloc(slot)
    return true
  }

  /// A realloc's FREE just decoded into the head of `slot` is paired with the ALLOC after it in
  /// its chunk (FRAMEs aside), which then waits in `pending`.
  @inline(__always)
  private mutating func pairIfRealloc(_ slot: Int) throws(DecodeStop) {
    let streams = held.slots
    if case .free(.realloc, _, _) = streams[slot].head.body {
      var free = streams[slot].head
      let freeStripe = streams[slot].headStripe
      if try decodeHead(slot, crossingChunks: false) {
        var following = streams[slot].head
        pair(&free, with: &following)
        streams[slot].pending = (following, streams[slot].headStripe, isStacked(following))
        streams[slot].hasPending = true
        streams[slot].head = free
        streams[slot].headStripe = freeStripe
      }
    }
  }

  /// A chunk of a held stream keyed below the stream's next record: its chunks were written out of
  /// their order (the tracker writes a buffer's in order; a crafted file may not). The held records
  /// are decoded ahead, so that the stream's allocations are whole for the chunk, which then goes
  /// on as if its stream held nothing, and the held ones wait in their slot, still merged.
  mutating func detachOutOfOrder(_ slot: Int) throws(DecodeStop) {
    var decoded: [(record: SequencedRecord, stripe: StripeNumber, stacked: Bool)] = []
    let head = (held.slots[slot].head, held.slots[slot].headStripe)
    while try produce(slot) {
      let record = held.slots[slot].head
      decoded.append((record, held.slots[slot].headStripe, isStacked(record)))
      // Checked as they are decoded: a stream's held bytes decode into 20-30 times as many.
      if decoded.count % 4096 == 0 {
        try checkHeldBytes(adding: decoded.count * Self.decodedRecordBytes, offset: record.offset)
      }
    }
    (held.slots[slot].head, held.slots[slot].headStripe) = head
    let bytes = decoded.count * Self.decodedRecordBytes
    try checkHeldBytes(adding: bytes, offset: held.slots[slot].head.offset)
    held.slots[slot].decoded = decoded
    held.slots[slot].decodedHead = 0
    held.slots[slot].decodedCount = decoded.count
    let stream = held.slots[slot].stream
    recentAllocations[stream] = held.detach(slot, decodedBytes: bytes)
  }

  /// Decodes the next numbered record of the stream in `slot`, from its chunk or (`crossingChunks`)
  /// the ones queued behind it, into its head; false when there is none.
  private mutating func decodeHead(_ slot: Int, crossingChunks: Bool) throws(DecodeStop) -> Bool {
    let streams = held.slots
    while true {
      // The chunk's fields read one by one: a copy of the whole chunk, read wider than its
      // position was last written, stalled on every record.
      let position = streams[slot].chunk.position
      let end = streams[slot].chunk.end
      if position < end {
        var cursor = ByteCursor(
          base: UnsafeRawPointer(streams[slot].chunk.bytes), end: end, position: position, recordStart: position)
        var count = 0
        let decoded: Bool
        do throws(DecodeStop) {
          decoded = try nextRecord(
            &cursor, &streams[slot].decoding, recent: &streams[slot].recent, fileOffset: streams[slot].chunk.recordBase,
            count: &count, clockKeysAllowed: clockKeysAllowed, into: &streams[slot].head,
            stripe: &streams[slot].headStripe)
        } catch {
          throw heldDamage(error, in: streams[slot].chunk, cursor: cursor)
        }
        streams[slot].chunk.position = cursor.position
        heldRecordCount += count
        if decoded { return true }
      }
      let chunk = streams[slot].chunk
      guard crossingChunks, streams[slot].queuedHead < streams[slot].queued.count else { return false }
      let next = streams[slot].queued[streams[slot].queuedHead]
      streams[slot].queuedHead += 1
      if streams[slot].queuedHead == streams[slot].queued.count {
        streams[slot].queued.removeAll(keepingCapacity: true)
        streams[slot].queuedHead = 0
      }
      held.release(chunk, of: slot)
      streams[slot].chunk = next
      streams[slot].decoding = ChunkDecoding(thread: next.thread)
      // A COLUMNS body: its stream's earlier chunks are decoded, their allocations what it names.
      if next.unpackedLength >= 0 {
        // Counted at its packed size while it waited: its records may take up to 64 MiB.
        try checkHeldBytes(adding: next.unpackedLength - next.end, offset: next.damageOffset)
        if !held.unpack(slot, stream: streams[slot].stream, recent: streams[slot].recent) {
          throw .damagedInFile(offset: next.damageOffset, .damagedPackedChunk)
        }
      }
    }
  }

  /// What decoding a held chunk stopped on, its positions made file offsets: positions in the held
  /// bytes are not positions in the reader's buffer.
  private func heldDamage(_ error: DecodeStop, in chunk: HeldChunk, cursor: ByteCursor) -> DecodeStop {
    switch error {
    case .damaged(let position, let damage):
      return .damagedInFile(offset: chunk.fileOffset(of: position), damage)
    case .needMore:
      return .damagedInFile(offset: chunk.fileOffset(of: cursor.recordStart), .chunkEndsMidRecord)
    default:
      return error
    }
  }
}
