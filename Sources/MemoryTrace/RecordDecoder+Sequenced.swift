// Version 3 decoding: the top-level records (CHUNK, SYNC, EXEC, LOST), the records inside a chunk,
// and their delivery to the visitor in the capture's global order (docs/capture-format.md).

extension RecordDecoder {
  /// Decodes one top-level record of a version 3 capture; returns the records it held.
  mutating func decodeTopLevel<Visitor: CaptureVisitor>(
    _ cursor: inout ByteCursor, fileOffset: Int, into visitor: inout Visitor
  ) throws(DecodeStop) -> Int {
    let tag = try cursor.byte()
    switch tag {
    case CaptureFormat.chunkTag:
      let thread = try cursor.unsigned()
      let stream = try cursor.unsigned()
      let length = try cursor.unsigned()
      guard length <= UInt64(CaptureFormat.maximumRecordBytes) else {
        throw .damaged(position: cursor.recordStart, .oversizedRecord(byteCount: Int(clamping: length)))
      }
      let start = cursor.position
      // A chunk is decoded only once it is whole: its records take effect all together.
      guard cursor.end - start >= Int(length) else { throw .needMore }
      chunkNumber &+= 1
      if let slot = held.slot(of: stream) {
        if let first = Self.firstKey(cursor.base + start, count: Int(length)),
          first < held.slots[slot].head.sequence
        {
          try detachOutOfOrder(slot)
        }
      }
      if let slot = held.slot(of: stream) {
        // Behind a chunk of its stream whose records wait: held as it is, decoded in its turn.
        try enqueue(
          copying: cursor.base + start, count: Int(length), recordBase: fileOffset + start, thread: thread,
          damageOffset: -1, unpackedLength: -1, in: slot, offset: fileOffset + cursor.recordStart)
        cursor.position = start + Int(length)
        return 0
      }
      var inner = ByteCursor(base: cursor.base, end: start + Int(length), position: start, recordStart: start)
      var recent = recentAllocations.removeValue(forKey: stream) ?? RecentAllocations()
      let count = try decodeChunk(
        &inner, thread: thread, stream: stream, recent: &recent, fileOffset: fileOffset, damageOffset: -1,
        into: &visitor)
      if held.slot(of: stream) == nil { recentAllocations[stream] = recent }
      cursor.position = inner.end
      return count
    case CaptureFormat.columnsTag:
      return try decodePackedChunk(&cursor, fileOffset: fileOffset, into: &visitor)
    case CaptureFormat.syncTag:
      let written = try cursor.unsigned()
      try deliver(below: written, into: &visitor)
      if clockMerge.count > 0 { try deliverClockKeyed(below: written, force: false, into: &visitor) }
    case CaptureFormat.execTag:
      let microseconds = try cursor.unsigned()
      // Everything of the old program is in the file before EXEC; the new one numbers from 0.
      try deliverAll(into: &visitor)
      merger.next = 0
      clockMerge.restartStripes()
      recentAllocations.removeAll()
      lastTimestamp = max(lastTimestamp, microseconds)
      modules = ModuleTable()
      nodeBase = UInt64(frames.count - 1)
      deliveredThread = 0
      visitor.visit(ExecEvent(microseconds: microseconds))
    case CaptureFormat.lostTag:
      let count = try cursor.unsigned()
      let restart = try cursor.unsigned()
      // Every record numbered below `restart` that reached the file is before LOST; the nodes
      // defined after it are numbered from 1 again.
      try deliverAll(into: &visitor)
      merger.next = max(merger.next, restart)
      // The tracker numbers every stripe from 0 again after dropping records.
      clockMerge.restartStripes()
      recentAllocations.removeAll()
      nodeBase = UInt64(frames.count - 1)
      visitor.visitLost(count: count)
    default:
      throw .damaged(position: cursor.recordStart, .unknownRecord(tag: tag))
    }
    return 1
  }

  /// A COLUMNS record (versions 4 and 5): the chunk it packs, unpacked and decoded as a CHUNK. Offsets
  /// of its records count from the COLUMNS record, in its unpacked bytes.
  private mutating func decodePackedChunk<Visitor: CaptureVisitor>(
    _ cursor: inout ByteCursor, fileOffset: Int, into visitor: inout Visitor
  ) throws(DecodeStop) -> Int {
    let thread = try cursor.unsigned()
    let stream = try cursor.unsigned()
    let length = try cursor.unsigned()
    let packedLength = try cursor.unsigned()
    guard length <= UInt64(CaptureFormat.maximumRecordBytes), packedLength <= UInt64(CaptureFormat.maximumRecordBytes)
    else {
      throw .damaged(
        position: cursor.recordStart, .oversizedRecord(byteCount: Int(clamping: max(length, packedLength))))
    }
    let start = cursor.position
    guard cursor.end - start >= Int(packedLength) else { throw .needMore }
    let recordStart = cursor.recordStart
    chunkNumber &+= 1
    if let slot = held.slot(of: stream) {
      // Its unpacking needs the allocations of its stream's chunks before it: held packed.
      try enqueue(
        copying: cursor.base + start, count: Int(packedLength), recordBase: fileOffset + recordStart, thread: thread,
        damageOffset: fileOffset + recordStart, unpackedLength: Int(length), in: slot, offset: fileOffset + recordStart)
      cursor.position = start + Int(packedLength)
      return 0
    }
    let records = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Int(length), 1), alignment: 16)
    defer { records.deallocate() }
    let unpacked = UnsafeMutableRawBufferPointer(rebasing: records[0..<Int(length)])
    var recent = recentAllocations.removeValue(forKey: stream) ?? RecentAllocations()
    defer { if held.slot(of: stream) == nil { recentAllocations[stream] = recent } }
    guard
      ChunkUnpacker.unpack(
        UnsafeRawBufferPointer(start: cursor.base + start, count: Int(packedLength)), into: unpacked, stream: stream,
        recent: recent)
    else { throw .damaged(position: recordStart, .damagedPackedChunk) }
    var inner = ByteCursor(base: UnsafeRawPointer(records.baseAddress!), end: Int(length), position: 0, recordStart: 0)
    let count: Int
    do {
      count = try decodeChunk(
        &inner, thread: thread, stream: stream, recent: &recent, fileOffset: fileOffset + recordStart,
        damageOffset: fileOffset + recordStart, into: &visitor)
    } catch {
      // Positions inside the unpacked records are not positions in the file.
      if case .damaged(_, let damage) = error { throw .damaged(position: recordStart, damage) }
      if case .needMore = error { throw .damaged(position: recordStart, .chunkEndsMidRecord) }
      throw error
    }
    cursor.position = start + Int(packedLength)
    return count
  }

  /// Delivers every record still held back, in order: the file is finished.
  mutating func finish<Visitor: CaptureVisitor>(into visitor: inout Visitor) throws(DecodeFailure) {
    do {
      try deliverAll(into: &visitor)
    } catch {
      if case .damagedInFile(let offset, let damage) = error { throw DecodeFailure(offset: offset, damage: damage) }
    }
  }

  // MARK: - A chunk

  /// Decodes a chunk, delivering its records while each is the next in the merged order; from the
  /// first that must wait on, the rest of the chunk is held as bytes (``hold(_:decoding:following:stream:recent:fileOffset:damageOffset:)``).
  /// `damageOffset`: a COLUMNS record's offset, where its records' damage is reported, or -1.
  private mutating func decodeChunk<Visitor: CaptureVisitor>(
    _ cursor: inout ByteCursor, thread chunkThread: UInt64, stream: UInt64, recent: inout RecentAllocations,
    fileOffset: Int, damageOffset: Int, into visitor: inout Visitor
  ) throws(DecodeStop) -> Int {
    // Two copies of the loop, one for each kind of capture: a counter-keyed capture's has no stripe
    // code in it (it cost reports of such captures 3-4 %).
    if clockKeysAllowed {
      return try decodeChunk(
        &cursor, thread: chunkThread, stream: stream, recent: &recent, fileOffset: fileOffset,
        damageOffset: damageOffset, into: &visitor, keys: ClockKeys.self)
    }
    return try decodeChunk(
      &cursor, thread: chunkThread, stream: stream, recent: &recent, fileOffset: fileOffset,
      damageOffset: damageOffset, into: &visitor, keys: CounterKeys.self)
  }

  private mutating func decodeChunk<Visitor: CaptureVisitor, Keys: ChunkKeys>(
    _ cursor: inout ByteCursor, thread chunkThread: UInt64, stream: UInt64, recent: inout RecentAllocations,
    fileOffset: Int, damageOffset: Int, into visitor: inout Visitor, keys: Keys.Type
  ) throws(DecodeStop) -> Int {
    var decoding = ChunkDecoding(thread: chunkThread)
    var heldFree: (SequencedRecord, StripeNumber)? = nil
    // A realloc's ALLOC decoded while its FREE is submitted: held with it if the FREE must wait.
    var following: (SequencedRecord, StripeNumber)? = nil
    let clockKeysAllowed = Keys.clockKeysAllowed
    var count = 0
    do throws(DecodeStop) {
      var record = SequencedRecord(sequence: 0, thread: 0, offset: 0, body: .rare, extra: -1)
      var stripe = StripeNumber.none
      while try nextRecord(
        &cursor, &decoding, recent: &recent, fileOffset: fileOffset, count: &count, clockKeysAllowed: clockKeysAllowed,
        into: &record, stripe: &stripe)
      {
        if case (var free, let freeStripe)? = heldFree {
          heldFree = nil
          pair(&free, with: &record)
          following = (record, stripe)
          try submit(free, stripe: freeStripe, clockKeysAllowed: clockKeysAllowed, into: &visitor)
          following = nil
        }
        if case .free(.realloc, _, _) = record.body {
          heldFree = (record, stripe)
          continue
        }
        try submit(record, stripe: stripe, clockKeysAllowed: clockKeysAllowed, into: &visitor)
      }
      if let (free, freeStripe) = heldFree {
        try submit(free, stripe: freeStripe, clockKeysAllowed: clockKeysAllowed, into: &visitor)
      }
    } catch {
      if case .held = error {
        try hold(
          cursor, decoding: decoding, following: following, stream: stream, recent: recent, fileOffset: fileOffset,
          damageOffset: damageOffset)
        return count
      }
      if case .needMore = error { throw .damaged(position: cursor.recordStart, .chunkEndsMidRecord) }
      throw error
    }
    return count
  }

  /// realloc(): FREE of the old block, then (FRAMEs aside) ALLOC of the new one: marks them a pair.
  @inline(__always)
  func pair(_ free: inout SequencedRecord, with record: inout SequencedRecord) {
    if case .alloc(let kind, let address, let size, let stack, _) = record.body,
      kind == .realloc || kind == .reallocarray, case .free(let freeKind, let old, _) = free.body
    {
      free.body = .free(freeKind, address: old, paired: true)
      record.body = .alloc(kind, address: address, size: size, localStack: stack, pairedFree: old)
    }
  }

  /// Decodes the chunk's next numbered record (its FRAMEs in the merger's pending frames) into
  /// `record` and `stripe`; false at the chunk's end. `count` counts every record read, FRAMEs and
  /// THREADs too. (One body for the chunk loop and for held chunks, inlined into each, writing in
  /// place: the loop stays as fast.)
  @inline(__always)
  mutating func nextRecord(
    _ cursor: inout ByteCursor, _ decoding: inout ChunkDecoding, recent: inout RecentAllocations, fileOffset: Int,
    count: inout Int, clockKeysAllowed: Bool, into record: inout SequencedRecord,
    stripe recordStripe: inout StripeNumber
  ) throws(DecodeStop) -> Bool {
    // FRAMEs read since the last numbered record: the last ones in the merger's pending frames.
    var framesRead = 0
    while cursor.position < cursor.end {
      cursor.recordStart = cursor.position
      let tag = try cursor.byte()
      count += 1
      if tag == CaptureFormat.frameTag {
        let parent = try cursor.unsigned()
        let delta = try cursor.signed()
        guard merger.pendingFrames.count < Int(CaptureFormat.maximumFrames) else {
          throw .damaged(
            position: cursor.recordStart,
            .oversizedCount(record: "frame", count: UInt64(merger.pendingFrames.count) + 1))
        }
        merger.pendingFrames.append(
          PendingFrame(localParent: parent, delta: delta, offset: fileOffset + cursor.recordStart))
        framesRead += 1
        continue
      }
      if tag == CaptureFormat.threadTag {
        decoding.thread = try cursor.unsigned()
        continue
      }
      let type = tag & CaptureFormat.typeMask & ~CaptureFormat.nextNumberFlag
      if tag & CaptureFormat.nextNumberFlag != 0 && type != 0 {
        // The previous key + 1, or the previous clock key again (version 6; before it every key
        // is a counter number, however large).
        if !clockKeysAllowed || decoding.sequence < CaptureFormat.clockKeyBase { decoding.sequence &+= 1 }
      } else {
        decoding.sequence &+= try cursor.unsigned()
      }
      let clockKeyed = clockKeysAllowed && decoding.sequence >= CaptureFormat.clockKeyBase
      let body: SequencedRecord.Body
      var extra: Int32 = -1
      var stripe = StripeNumber.none
      let kind = tag & CaptureFormat.kindMask
      switch type {
      case CaptureFormat.allocTag:
        guard let kind = AllocationKind.decoded(kind) else {
          throw .damaged(position: cursor.recordStart, .unknownRecord(tag: tag))
        }
        decoding.address = decoding.address &+ UInt64(bitPattern: try cursor.signed())
        let size = try cursor.unsigned()
        let stack = try cursor.unsigned()
        recent.append(decoding.address)
        body = .alloc(kind, address: decoding.address, size: size, localStack: stack, pairedFree: nil)
        if clockKeyed { stripe = try decoding.stripes.read(&cursor, address: decoding.address) }
      case CaptureFormat.freeTag, CaptureFormat.freeBackTag:
        guard let kind = DeallocationKind(rawValue: kind) else {
          throw .damaged(position: cursor.recordStart, .unknownRecord(tag: tag))
        }
        if type == CaptureFormat.freeTag {
          decoding.address = decoding.address &+ UInt64(bitPattern: try cursor.signed())
        } else {
          let back = try cursor.unsigned()
          guard let named = recent.address(back: back) else {
            throw .damaged(position: cursor.recordStart, .unknownAllocation(back: back))
          }
          decoding.address = named
        }
        body = .free(kind, address: decoding.address, paired: false)
        if clockKeyed { stripe = try decoding.stripes.read(&cursor, address: decoding.address) }
      case 0 where tag == CaptureFormat.stripeTag && clockKeyed:
        // A stripe number with no event (a realloc() that failed).
        let index = try cursor.unsigned()
        guard index < UInt64(CaptureFormat.stripeCount) else {
          throw .damaged(position: cursor.recordStart, .unknownRecord(tag: tag))
        }
        stripe = try decoding.stripes.read(&cursor, stripe: Int(index))
        body = .rare
      default:
        extra = try decodeRareBody(tag, &cursor)
        body = .rare
      }
      var frameStart: UInt32 = 0
      if framesRead > 0 {
        // Below 2^24 (checked as each FRAME is read).
        frameStart = UInt32(truncatingIfNeeded: merger.pendingFrames.count - framesRead)
        merger.recordsWithFrames += 1
      }
      record = SequencedRecord(
        sequence: decoding.sequence, thread: decoding.thread, offset: fileOffset + cursor.recordStart, body: body,
        frameStart: frameStart, frameCount: UInt32(truncatingIfNeeded: framesRead), extra: extra)
      recordStripe = stripe
      return true
    }
    if framesRead > 0 { throw .damaged(position: cursor.recordStart, .chunkEndsMidRecord) }
    return false
  }

  /// Decodes a rare record's body into the table of extras; returns its entry there. (Out of
  /// line: an optional body on the path of every record cost a copy of it per record.)
  @inline(never)
  private mutating func decodeRareBody(_ tag: UInt8, _ cursor: inout ByteCursor) throws(DecodeStop) -> Int32 {
    // 2^31 rare records apart (a TICK every 10 ms: eight months) never wait at once.
    let extra = Int32(truncatingIfNeeded: nextExtra & Int(Int32.max))
    extras[Int(extra)] = try rareBody(tag, &cursor)
    nextExtra += 1
    return extra
  }

  private func rareBody(_ tag: UInt8, _ cursor: inout ByteCursor) throws(DecodeStop) -> RareBody {
    switch tag {
    case CaptureFormat.tickTag:
      return .tick(try cursor.tick())
    case CaptureFormat.modulesTag:
      return .modules(try cursor.modules())
    case CaptureFormat.markerTag:
      return .marker(try cursor.string())
    case CaptureFormat.commandTag:
      return .command(try cursor.command())
    case CaptureFormat.endTag:
      return .end(try cursor.unsigned())
    default:
      throw .damaged(position: cursor.recordStart, .unknownRecord(tag: tag))
    }
  }

  // MARK: - Merging

  /// A clock-keyed record (version 6) waits for a SYNC: the rest of its chunk is held. Any other
  /// goes to ``submit(_:into:)``. (`clockKeysAllowed` is a constant of the specialised chunk loop:
  /// the test folds away.)
  @inline(__always)
  private mutating func submit<Visitor: CaptureVisitor>(
    _ record: SequencedRecord, stripe: StripeNumber, clockKeysAllowed: Bool, into visitor: inout Visitor
  ) throws(DecodeStop) {
    if clockKeysAllowed && record.sequence >= CaptureFormat.clockKeyBase {
      waiting = (record, stripe)
      throw .held
    } else {
      try submit(record, into: &visitor)
    }
  }

  /// SYNC (or, with `force`, the end of the file, LOST, EXEC): the clock-keyed records below
  /// `written` whose turn has come.
  private mutating func deliverClockKeyed<Visitor: CaptureVisitor>(
    below written: UInt64, force: Bool, into visitor: inout Visitor
  ) throws(DecodeStop) {
    while let slot = clockMerge.next(
      below: written, definedNodes: UInt64(frames.count) &- nodeBase, force: force, streams: held.slots)
    {
      if force || !clockKeyedRuns {
        try deliver(try takeClockKeyed(slot), into: &visitor)
      } else {
        try deliverClockKeyedRun(slot, below: written, into: &visitor)
      }
    }
  }

  /// Delivers `record` now if it is the next number, else holds it and the rest of its chunk back
  /// until its turn.
  private mutating func submit<Visitor: CaptureVisitor>(
    _ record: SequencedRecord, into visitor: inout Visitor
  ) throws(DecodeStop) {
    if record.sequence == merger.next {
      try deliverCommon(record, into: &visitor)
      merger.next = record.sequence &+ 1
      while let smallest = merger.smallest, smallest == merger.next {
        try deliver(try takeSmallestCounterKeyed(), into: &visitor)
        merger.next = smallest &+ 1
      }
    } else if record.sequence > merger.next {
      waiting = (record, .none)
      throw .held
    } else {
      throw .damagedInFile(offset: record.offset, .outOfOrder(sequence: record.sequence, expected: merger.next))
    }
  }

  /// SYNC: every record numbered below `written` has been read; numbers missing below it never
  /// became records.
  private mutating func deliver<Visitor: CaptureVisitor>(below written: UInt64, into visitor: inout Visitor)
    throws(DecodeStop)
  {
    while let smallest = merger.smallest, smallest < written || smallest == merger.next {
      try deliver(try takeSmallestCounterKeyed(), into: &visitor)
      merger.next = max(merger.next, smallest &+ 1)
    }
    merger.next = max(merger.next, written)
    while let smallest = merger.smallest, smallest == merger.next {
      try deliver(try takeSmallestCounterKeyed(), into: &visitor)
      merger.next = smallest &+ 1
    }
  }

  private mutating func deliverAll<Visitor: CaptureVisitor>(into visitor: inout Visitor) throws(DecodeStop) {
    // A stream goes from counter keys to clock keys, never back but in a damaged capture: the
    // counter-keyed records first, then the clock-keyed ones, until no stream holds any.
    repeat {
      while let smallest = merger.smallest {
        try deliver(try takeSmallestCounterKeyed(), into: &visitor)
        merger.next = max(merger.next, smallest &+ 1)
      }
      if clockMerge.count > 0 { try deliverClockKeyed(below: .max, force: true, into: &visitor) }
    } while !merger.isEmpty
    // A realloc's FREE always stands in the same chunk as its ALLOC: nothing is left deferred.
    // In number order, so that a damaged capture reads the same in every process.
    for free in merger.deferredFrees.values.sorted(by: { $0.sequence < $1.sequence }) {
      try deliverFree(free, into: &visitor)
    }
    merger.deferredFrees.removeAll()
  }

  /// The visitor sees a thread switch whenever the delivered records change thread.
  private mutating func switchThread<Visitor: CaptureVisitor>(to thread: UInt64, into visitor: inout Visitor) {
    if thread != deliveredThread {
      deliveredThread = thread
      visitor.visitThread(thread)
    }
  }

  private mutating func deliverFree<Visitor: CaptureVisitor>(_ record: SequencedRecord, into visitor: inout Visitor)
    throws(DecodeStop)
  {
    guard case .free(let kind, let address, _) = record.body else { return }
    switchThread(to: record.thread, into: &visitor)
    visitor.visit(DeallocationEvent(kind: kind, address: address, thread: record.thread))
  }

  /// Before an ALLOC at `address`: the FREE of its own realloc() (`pairedFree`), and the FREE of another
  /// thread's realloc() still in progress whose old block this ALLOC got back. Both checks apply to every
  /// ALLOC: a realloc() may itself receive the block another thread's realloc() just released (threads
  /// preempted inside realloc() make that common). Two FREEs go out in number order.
  private mutating func deliverDeferredFrees<Visitor: CaptureVisitor>(
    before address: UInt64, pairedFree: UInt64?, into visitor: inout Visitor
  ) throws(DecodeStop) {
    let own = pairedFree.flatMap { merger.deferredFrees.removeValue(forKey: $0) }
    let released = merger.deferredFrees.removeValue(forKey: address)
    switch (own, released) {
    case (let own?, let released?):
      let (first, second) = own.sequence < released.sequence ? (own, released) : (released, own)
      try deliverFree(first, into: &visitor)
      try deliverFree(second, into: &visitor)
    case (let free?, nil), (nil, let free?):
      try deliverFree(free, into: &visitor)
    case (nil, nil):
      break
    }
  }

  /// ``deliver(_:into:)``, with an ALLOC or FREE that carries no FRAMEs, and no FREE deferred, handed
  /// to the visitor here, inlined into the chunk loop: the call to `deliver` was a tenth of reading
  /// the churn's capture. Anything else, or anything its checks refuse, goes the general way.
  @inline(__always)
  mutating func deliverCommon<Visitor: CaptureVisitor>(_ record: SequencedRecord, into visitor: inout Visitor)
    throws(DecodeStop)
  {
    if record.frameCount == 0 && merger.deferredFrees.isEmpty {
      switch record.body {
      case .alloc(let kind, let address, let size, let localStack, _):
        let total = totalBytes &+ size
        if size <= CaptureFormat.maximumBlockSize && total <= CaptureFormat.maximumTotalBytes
          && localStack < UInt64(frames.count) &- nodeBase
        {
          let stack = localStack == 0 ? 0 : localStack &+ nodeBase
          totalBytes = total
          switchThread(to: record.thread, into: &visitor)
          visitor.visit(
            AllocationEvent(kind: kind, address: address, size: size, stack: UInt32(stack), thread: record.thread))
          return
        }
      case .free(let kind, let address, false):
        switchThread(to: record.thread, into: &visitor)
        visitor.visit(DeallocationEvent(kind: kind, address: address, thread: record.thread))
        return
      default:
        break
      }
    }
    try deliver(record, into: &visitor)
  }

  /// Delivers `record` to the visitor (its FRAMEs first, a realloc's FREE deferred to its ALLOC),
  /// checking its size, the running total and its stack node.
  mutating func deliver<Visitor: CaptureVisitor>(_ record: SequencedRecord, into visitor: inout Visitor)
    throws(DecodeStop)
  {
    if record.frameCount > 0 { try deliverFrames(of: record, into: &visitor) }
    switch record.body {
    case .alloc(let kind, let address, let size, let localStack, let pairedFree):
      if !merger.deferredFrees.isEmpty {
        try deliverDeferredFrees(before: address, pairedFree: pairedFree, into: &visitor)
      }
      guard size <= CaptureFormat.maximumBlockSize else {
        throw .damagedInFile(offset: record.offset, .impossibleSize(size))
      }
      let total = totalBytes + size
      guard total <= CaptureFormat.maximumTotalBytes else {
        throw .damagedInFile(offset: record.offset, .impossibleTotal(total))
      }
      guard localStack < UInt64(frames.count) &- nodeBase else {
        throw .damagedInFile(offset: record.offset, .unknownStackNode(localStack))
      }
      let stack = localStack == 0 ? 0 : localStack &+ nodeBase
      totalBytes = total
      switchThread(to: record.thread, into: &visitor)
      visitor.visit(
        AllocationEvent(kind: kind, address: address, size: size, stack: UInt32(stack), thread: record.thread))
    case .free(_, let address, let paired):
      if paired {
        merger.deferredFrees[address] = record
      } else {
        try deliverFree(record, into: &visitor)
      }
    case .rare:
      if record.extra >= 0, let rare = extras.removeValue(forKey: Int(record.extra)) {
        try deliver(rare, of: record, into: &visitor)
      }
    }
  }

  private mutating func deliver<Visitor: CaptureVisitor>(
    _ rare: RareBody, of record: SequencedRecord, into visitor: inout Visitor
  ) throws(DecodeStop) {
    switch rare {
    case .tick(let tick):
      lastTimestamp = tick.microseconds
      visitor.visit(tick)
    case .modules(let list):
      modules = ModuleTable(list)
      visitor.visit(modules)
    case .marker(let name):
      switchThread(to: record.thread, into: &visitor)
      visitor.visit(MarkerEvent(name: name, thread: record.thread))
    case .command(let command):
      if self.command == nil { self.command = command }
      visitor.visit(command)
    case .end(let microseconds):
      lastTimestamp = max(lastTimestamp, microseconds)
      sawEnd = true
      visitor.visitEnd(microseconds: microseconds)
    }
  }

  /// Delivers the FRAMEs `record` carries; the pending frames empty once no record holds any.
  @inline(never)  // new stacks are rare next to allocations: kept off the path of every record
  private mutating func deliverFrames<Visitor: CaptureVisitor>(of record: SequencedRecord, into visitor: inout Visitor)
    throws(DecodeStop)
  {
    let start = Int(record.frameStart)
    for index in start..<(start + Int(record.frameCount)) {
      try deliverFrame(merger.pendingFrames[index], into: &visitor)
    }
    merger.recordsWithFrames -= 1
    if merger.recordsWithFrames == 0 { merger.pendingFrames.removeAll(keepingCapacity: true) }
  }

  private mutating func deliverFrame<Visitor: CaptureVisitor>(_ frame: PendingFrame, into visitor: inout Visitor)
    throws(DecodeStop)
  {
    let node = UInt64(frames.count)
    guard frame.localParent < node &- nodeBase else {
      throw .damagedInFile(
        offset: frame.offset, .unknownParentNode(node: node &- nodeBase, parent: frame.localParent))
    }
    guard node <= CaptureFormat.maximumFrames else {
      throw .damagedInFile(offset: frame.offset, .oversizedCount(record: "frame", count: node))
    }
    let parent = frame.localParent == 0 ? 0 : frame.localParent &+ nodeBase
    let ip = frames.ip(of: UInt32(parent)) &+ UInt64(bitPattern: frame.delta)
    _ = frames.append(parent: UInt32(parent), ip: ip, in: modules)
    visitor.visit(FrameEvent(node: UInt32(node), parent: UInt32(parent), ip: ip))
  }
}

/// Whether a chunk's keys may be clock keys (version 6): chosen per capture, so that
/// ``RecordDecoder``'s chunk loop is specialised for each (the counter's has no stripe code).
protocol ChunkKeys {
  static var clockKeysAllowed: Bool { get }
}

enum CounterKeys: ChunkKeys {
  static var clockKeysAllowed: Bool { false }
}

enum ClockKeys: ChunkKeys {
  static var clockKeysAllowed: Bool { true }
}

extension AllocationKind {
  /// The kind whose raw value is `raw`, or nil. (`init(rawValue:)` was a call on every ALLOC: the
  /// chunk loop is too large for the inliner to take it in.)
  @inline(__always)
  fileprivate static func decoded(_ raw: UInt8) -> AllocationKind? {
    switch raw {
    case 0: .malloc
    case 1: .calloc
    case 2: .realloc
    case 3: .reallocarray
    case 4: .posixMemalign
    case 5: .alignedAlloc
    case 6: .memalign
    case 7: .valloc
    case 8: .pvalloc
    default: nil
    }
  }
}
