// Versions 3 to 6 decoding: the top-level records (CHUNK, SYNC, EXEC, LOST), the records inside a
// chunk, and their delivery to the visitor in the capture's global order (docs/capture-format.md).

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
      var inner = ByteCursor(base: cursor.base, end: start + Int(length), position: start, recordStart: start)
      var recent = recentAllocations.removeValue(forKey: stream) ?? RecentAllocations()
      defer { recentAllocations[stream] = recent }
      let count = try decodeChunk(&inner, thread: thread, recent: &recent, fileOffset: fileOffset, into: &visitor)
      cursor.position = inner.end
      return count
    case CaptureFormat.columnsTag:
      return try decodePackedChunk(&cursor, fileOffset: fileOffset, into: &visitor)
    case CaptureFormat.syncTag:
      let written = try cursor.unsigned()
      try deliver(below: written, into: &visitor)
    case CaptureFormat.execTag:
      let microseconds = try cursor.unsigned()
      // Everything of the old program is in the file before EXEC; the new one numbers from 0.
      try deliverAll(into: &visitor)
      merger.next = 0
      merger.live.removeAll()  // the reader ends the old program's blocks here
      merger.clockKeyed = false  // the new program starts on the counter
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
      recentAllocations.removeAll()
      nodeBase = UInt64(frames.count - 1)
      visitor.visitLost(count: count)
    default:
      throw .damaged(position: cursor.recordStart, .unknownRecord(tag: tag))
    }
    return 1
  }

  /// A COLUMNS record (versions 4 to 6): the chunk it packs, unpacked and decoded as a CHUNK. Offsets
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
    let records = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Int(length), 1), alignment: 16)
    defer { records.deallocate() }
    let unpacked = UnsafeMutableRawBufferPointer(rebasing: records[0..<Int(length)])
    var recent = recentAllocations.removeValue(forKey: stream) ?? RecentAllocations()
    defer { recentAllocations[stream] = recent }
    guard
      ChunkUnpacker.unpack(
        UnsafeRawBufferPointer(start: cursor.base + start, count: Int(packedLength)), into: unpacked, stream: stream,
        recent: recent)
    else { throw .damaged(position: recordStart, .damagedPackedChunk) }
    var inner = ByteCursor(base: UnsafeRawPointer(records.baseAddress!), end: Int(length), position: 0, recordStart: 0)
    let count: Int
    do {
      count = try decodeChunk(
        &inner, thread: thread, recent: &recent, fileOffset: fileOffset + recordStart, into: &visitor)
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

  private mutating func decodeChunk<Visitor: CaptureVisitor>(
    _ cursor: inout ByteCursor, thread chunkThread: UInt64, recent: inout RecentAllocations, fileOffset: Int,
    into visitor: inout Visitor
  ) throws(DecodeStop) -> Int {
    var sequence: UInt64 = 0
    var address: UInt64 = 0
    var thread = chunkThread
    // FRAMEs read since the last keyed record: the last ones in the merger's pending frames.
    var framesRead = 0
    var heldFree: SequencedRecord? = nil
    var count = 0
    // Records take 2 bytes at the least and 3-4 in a busy thread's chunk (ALLOC and FREE_BACK
    // pairs; fewer where packing left addresses out): a run that outgrows its room is copied whole.
    merger.runCapacityHint = max(16, (cursor.end - cursor.position) / 3)
    do throws(DecodeStop) {
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
          thread = try cursor.unsigned()
          continue
        }
        let type = tag & CaptureFormat.typeMask & ~CaptureFormat.nextNumberFlag
        if tag & CaptureFormat.nextNumberFlag != 0 && type != 0 {
          // The next number, or (version 6) the same clock key as the record before.
          if sequence < CaptureFormat.clockKeyBase { sequence &+= 1 }
        } else {
          sequence &+= try cursor.unsigned()
        }
        let body: SequencedRecord.Body
        var rare: RareBody? = nil
        let kind = tag & CaptureFormat.kindMask
        switch type {
        case CaptureFormat.allocTag:
          guard let kind = AllocationKind(rawValue: kind) else {
            throw .damaged(position: cursor.recordStart, .unknownRecord(tag: tag))
          }
          address = address &+ UInt64(bitPattern: try cursor.signed())
          let size = try cursor.unsigned()
          let stack = try cursor.unsigned()
          recent.append(address)
          body = .alloc(kind, address: address, size: size, localStack: stack, pairedFree: nil)
        case CaptureFormat.freeTag, CaptureFormat.freeBackTag:
          guard let kind = DeallocationKind(rawValue: kind) else {
            throw .damaged(position: cursor.recordStart, .unknownRecord(tag: tag))
          }
          if type == CaptureFormat.freeTag {
            address = address &+ UInt64(bitPattern: try cursor.signed())
          } else {
            let back = try cursor.unsigned()
            guard let named = recent.address(back: back) else {
              throw .damaged(position: cursor.recordStart, .unknownAllocation(back: back))
            }
            address = named
          }
          body = .free(kind, address: address, paired: false)
        default:
          rare = try decodeRareBody(tag, &cursor)
          body = .rare
        }
        var extra: Int32 = -1
        if rare != nil {
          // 2^31 rare records apart (a TICK every 10 ms: eight months) never wait at once.
          extra = Int32(truncatingIfNeeded: nextExtra & Int(Int32.max))
          nextExtra += 1
          extras[Int(extra)] = SequencedExtra(rare: rare)
        }
        var frameStart: UInt32 = 0
        if framesRead > 0 {
          // Below 2^24 (checked as each FRAME is read).
          frameStart = UInt32(truncatingIfNeeded: merger.pendingFrames.count - framesRead)
          merger.recordsWithFrames += 1
        }
        var record = SequencedRecord(
          sequence: sequence, thread: thread, offset: fileOffset + cursor.recordStart, body: body,
          frameStart: frameStart, frameCount: UInt32(truncatingIfNeeded: framesRead), extra: extra)
        framesRead = 0
        if var free = heldFree {
          heldFree = nil
          // realloc(): FREE of the old block, then (FRAMEs aside) ALLOC of the new one.
          var folded = false
          if case .alloc(let kind, let address, let size, let stack, _) = record.body,
            kind == .realloc || kind == .reallocarray, case .free(let freeKind, let old, _) = free.body
          {
            if free.sequence >= CaptureFormat.clockKeyBase && free.extra < 0 && free.frameCount == 0 {
              // Clock keys: one record, so that no wait ever separates the two.
              record.body = .realloc(kind, old: old, address: address, size: size, localStack: stack)
              folded = true
            } else {
              free.body = .free(freeKind, address: old, paired: true)
              record.body = .alloc(kind, address: address, size: size, localStack: stack, pairedFree: old)
            }
          }
          if !folded { try submit(free, into: &visitor) }
        }
        if case .free(.realloc, _, _) = record.body {
          heldFree = record
        } else {
          try submit(record, into: &visitor)
        }
      }
      if let free = heldFree { try submit(free, into: &visitor) }
      merger.seal()
    } catch {
      if case .needMore = error { throw .damaged(position: cursor.recordStart, .chunkEndsMidRecord) }
      throw error
    }
    if framesRead > 0 { throw .damaged(position: cursor.recordStart, .chunkEndsMidRecord) }
    return count
  }

  private func decodeRareBody(_ tag: UInt8, _ cursor: inout ByteCursor) throws(DecodeStop) -> RareBody {
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

  /// Delivers `record` now if it is the next number, else holds it back until its turn. A clock
  /// key says nothing about the keys below it: its record waits for a SYNC above it.
  private mutating func submit<Visitor: CaptureVisitor>(
    _ record: SequencedRecord, into visitor: inout Visitor
  ) throws(DecodeStop) {
    if record.sequence == merger.next && record.sequence < CaptureFormat.clockKeyBase {
      try deliver(record, into: &visitor)
      merger.next = record.sequence &+ 1
      while let smallest = merger.smallest, smallest == merger.next, let next = merger.pop() {
        try deliver(next, into: &visitor)
        merger.next = smallest &+ 1
      }
    } else if record.sequence > merger.next
      || (record.sequence == merger.next && record.sequence >= CaptureFormat.clockKeyBase)
    {
      // A real capture holds back what its threads wrote between two SYNCs: 10 ms, at most about a
      // quarter of a second when one thread holds its buffer that long (the tracker then waits).
      guard merger.count < CaptureFormat.maximumHeldRecords else {
        throw .damagedInFile(
          offset: record.offset, .tooManyWaiting(count: merger.count))
      }
      merger.push(record)
    } else {
      throw .damagedInFile(offset: record.offset, .outOfOrder(sequence: record.sequence, expected: merger.next))
    }
  }

  /// SYNC: every record numbered below `written` has been read; numbers missing below it never
  /// became records.
  private mutating func deliver<Visitor: CaptureVisitor>(below written: UInt64, into visitor: inout Visitor)
    throws(DecodeStop)
  {
    // A clock key equal to `next` may be followed by more records of that key: only counter
    // numbers, which never repeat, go out for being the next one.
    let counted = CaptureFormat.clockKeyBase
    // Clock keys go out only up to the skew below `written`: a FREE of a block not live is then
    // checked against every record keyed within the skew after it, all of them read by now. After
    // END's flush nothing is left to come.
    let clockLimit = written > CaptureFormat.endClockKey ? written : max(counted, written &- CaptureFormat.clockKeySkew)
    while let smallest = merger.smallest, smallest < written || (smallest == merger.next && smallest < counted) {
      if smallest >= counted {
        // Clock keys: as much of one run as comes before every other run.
        guard smallest < clockLimit else { break }
        let records = merger.popRun(below: clockLimit)
        for record in records { try deliverInOrder(record, into: &visitor) }
        merger.next = max(merger.next, records.last!.sequence)
        continue
      }
      let next = merger.pop()!
      try deliverInOrder(next, into: &visitor)
      merger.next = max(merger.next, smallest < counted ? smallest &+ 1 : smallest)
    }
    merger.next = max(merger.next, written)
    while let smallest = merger.smallest, smallest == merger.next, smallest < counted, let next = merger.pop() {
      try deliver(next, into: &visitor)
      merger.next = smallest &+ 1
    }
    if !merger.blocked.isEmpty && written > CaptureFormat.clockKeyPatience {
      try releaseBlocked(keyedBelow: written - CaptureFormat.clockKeyPatience, into: &visitor)
    }
  }

  private mutating func deliverAll<Visitor: CaptureVisitor>(into visitor: inout Visitor) throws(DecodeStop) {
    merger.seal()  // a chunk cut short by damage leaves its run open
    while let next = merger.pop() {
      try deliverInOrder(next, into: &visitor)
      // A clock key may come again (another chunk); a counter number never.
      let after = next.sequence < CaptureFormat.clockKeyBase ? next.sequence &+ 1 : next.sequence
      merger.next = max(merger.next, after)
    }
    // Nothing more will come: what still waits is read as it is, oldest key first.
    try releaseBlocked(keyedBelow: UInt64.max, into: &visitor)
    // A realloc's FREE always stands in the same chunk as its ALLOC: nothing is left deferred.
    for (_, free) in merger.deferredFrees { try deliverFree(free, into: &visitor) }
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
    if merger.clockKeyed { merger.live.remove(address) }
    visitor.visit(DeallocationEvent(kind: kind, address: address, thread: record.thread))
  }

  private mutating func deliver<Visitor: CaptureVisitor>(_ record: SequencedRecord, into visitor: inout Visitor)
    throws(DecodeStop)
  {
    if record.frameCount > 0 { try deliverFrames(of: record, into: &visitor) }
    var rare: RareBody? = nil
    if record.extra >= 0, let extra = extras.removeValue(forKey: Int(record.extra)) { rare = extra.rare }
    switch record.body {
    case .alloc(let kind, let address, let size, let localStack, let pairedFree):
      if let old = pairedFree, let free = merger.deferredFrees.removeValue(forKey: old) {
        try deliverFree(free, into: &visitor)
      } else if !merger.deferredFrees.isEmpty, let free = merger.deferredFrees.removeValue(forKey: address) {
        // Another thread got the old block of a realloc() still in progress: its FREE comes first.
        try deliverFree(free, into: &visitor)
      }
      try deliverAllocation(kind, address: address, size: size, localStack: localStack, of: record, into: &visitor)
    case .realloc(let kind, let old, let address, let size, let localStack):
      var free = record
      free.body = .free(.realloc, address: old, paired: false)
      try deliverFree(free, into: &visitor)
      try deliverAllocation(kind, address: address, size: size, localStack: localStack, of: record, into: &visitor)
    case .free(_, let address, let paired):
      if paired {
        merger.deferredFrees[address] = record
      } else {
        try deliverFree(record, into: &visitor)
      }
    case .rare:
      if let rare { try deliver(rare, of: record, into: &visitor) }
    }
  }

  @inline(__always)
  private mutating func deliverAllocation<Visitor: CaptureVisitor>(
    _ kind: AllocationKind, address: UInt64, size: UInt64, localStack: UInt64, of record: SequencedRecord,
    into visitor: inout Visitor
  ) throws(DecodeStop) {
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
    if merger.clockKeyed { merger.live.insert(address) }
    visitor.visit(
      AllocationEvent(kind: kind, address: address, size: size, stack: UInt32(stack), thread: record.thread))
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
  @inline(never)  // new stacks are rare: kept off the path of every record
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

// MARK: - Clock keys: the rules of the order

extension RecordDecoder {
  /// Delivers a record taken from the merge in key order. A counter key is the program's order: the
  /// record goes out. A clock key is only nearly that order across threads, so the record goes out
  /// only if its thread waits for nothing and it breaks none of the order's rules (``breaksRule``);
  /// otherwise it waits behind its thread's first waiting record. Its FRAMEs, and a MODULES record,
  /// go out at their key in any case: they define nodes and modules, which the tracker keys in
  /// their own exact order, and what waits depends on them.
  mutating func deliverInOrder<Visitor: CaptureVisitor>(_ record: SequencedRecord, into visitor: inout Visitor)
    throws(DecodeStop)
  {
    guard record.sequence >= CaptureFormat.clockKeyBase else { return try deliver(record, into: &visitor) }
    merger.clockKeyed = true
    // END's key is the last there is: what still waits comes before it.
    if record.sequence == CaptureFormat.endClockKey && !merger.blocked.isEmpty {
      try releaseBlocked(keyedBelow: .max, into: &visitor)
    }
    var record = record
    if record.extra >= 0 || record.frameCount > 0 {
      guard let rest = try deliverDefinitions(of: record, into: &visitor) else { return }
      record = rest
    }
    if !merger.blocked.isEmpty, let index = merger.blocked.firstIndex(where: { $0.thread == record.thread }) {
      merger.blocked[index].records.append(record)
      return
    }
    if breaksRule(record) {
      merger.blocked.append(BlockedThread(thread: record.thread, records: [record]))
      // A real capture has a waiting thread now and then; a crafted one could make every record
      // of thousands of threads wait, and each delivery try them all.
      if merger.blocked.count > CaptureFormat.maximumWaitingThreads { try releaseOldestBlocked(into: &visitor) }
      return
    }
    try deliver(record, into: &visitor)
    if !merger.blocked.isEmpty { try retryBlocked(into: &visitor) }
  }

  /// Delivers the FRAMEs a record carries, or the whole record if it is a MODULES record; returns
  /// what is left of it to deliver (nil: nothing).
  private mutating func deliverDefinitions<Visitor: CaptureVisitor>(
    of record: SequencedRecord, into visitor: inout Visitor
  ) throws(DecodeStop) -> SequencedRecord? {
    if record.extra >= 0, case .modules = extras[Int(record.extra)]?.rare {
      try deliver(record, into: &visitor)
      return nil
    }
    guard record.frameCount > 0 else { return record }
    try deliverFrames(of: record, into: &visitor)
    var rest = record
    rest.frameCount = 0
    return rest
  }

  /// Whether delivering `record` (clock-keyed, its FRAMEs delivered) now would break a rule of
  /// the order: a FREE of a block that is not live, an ALLOC of an address that is live, a stack
  /// naming a node not defined yet. Across threads a clock key can be off by the cores' skew and
  /// an out-of-order rdtsc; the record it depends on then comes a little later in key order.
  /// (Mutating only so that the decoder is passed by reference: as a plain method it was copied,
  /// 392 bytes, for every clock-keyed record: 18 % of `stats` on two threads.)
  private mutating func breaksRule(_ record: SequencedRecord) -> Bool {
    switch record.body {
    case .alloc(_, let address, _, let localStack, let pairedFree):
      if localStack >= UInt64(frames.count) &- nodeBase { return true }
      return address != pairedFree && merger.live.contains(address) && merger.deferredFrees[address] == nil
    case .realloc(_, let old, let address, _, let localStack):
      if localStack >= UInt64(frames.count) &- nodeBase { return true }
      if address != old && merger.live.contains(address) { return true }
      return !merger.live.contains(old) && allocationComes(of: old, for: record)
    case .free(_, let address, let paired):
      // A FREE_BACK is checked too: it names the address of an ALLOC of its own stream, but that
      // block may have gone to another thread, been freed there and its address allocated again
      // by a third thread that handed it back (a mailbox does that all the time).
      if paired || merger.live.contains(address) { return false }
      return allocationComes(of: address, for: record)
    case .rare:
      return false
    }
  }

  /// Whether another thread's record keyed within the skew after `record` allocates `address`:
  /// the FREE of a block that is not live then waits for it. A block not live and allocated by no
  /// such record was allocated before the first clock key (the live set starts there) or never
  /// seen (allocated before the tracker started): waiting could not change what the FREE means.
  private mutating func allocationComes(of address: UInt64, for record: SequencedRecord) -> Bool {
    merger.holdsAllocation(
      of: address, besides: record.thread, keyedUpTo: record.sequence &+ CaptureFormat.clockKeySkew)
  }

  /// Delivers the waiting records whose rules hold now, until none does.
  private mutating func retryBlocked<Visitor: CaptureVisitor>(into visitor: inout Visitor) throws(DecodeStop) {
    var progress = true
    while progress {
      progress = false
      var index = 0
      while index < merger.blocked.count {
        while !merger.blocked[index].isEmpty && !breaksRule(merger.blocked[index].head) {
          let record = merger.blocked[index].head
          merger.blocked[index].start += 1
          try deliver(record, into: &visitor)
          progress = true
        }
        if merger.blocked[index].isEmpty {
          merger.blocked.remove(at: index)
        } else {
          index += 1
        }
      }
    }
  }

  /// Stops waiting for the records keyed below `limit` (the delivered keys passed them by more
  /// than ``CaptureFormat/clockKeyPatience``, or the capture ends): oldest key first, each is read
  /// as it is (a FREE of a block not live is an unknown free, as in any capture).
  private mutating func releaseBlocked<Visitor: CaptureVisitor>(keyedBelow limit: UInt64, into visitor: inout Visitor)
    throws(DecodeStop)
  {
    while true {
      try retryBlocked(into: &visitor)
      guard try releaseOldestBlocked(below: limit, into: &visitor) else { return }
    }
  }

  /// Reads the waiting record with the oldest key (below `limit`) as it is; false if there is none.
  @discardableResult
  private mutating func releaseOldestBlocked<Visitor: CaptureVisitor>(
    below limit: UInt64 = .max, into visitor: inout Visitor
  ) throws(DecodeStop) -> Bool {
    var oldest: Int? = nil
    for index in merger.blocked.indices where merger.blocked[index].head.sequence < limit {
      if oldest == nil || merger.blocked[index].head.sequence < merger.blocked[oldest!].head.sequence {
        oldest = index
      }
    }
    guard let index = oldest else { return false }
    let record = merger.blocked[index].head
    merger.blocked[index].start += 1
    if merger.blocked[index].isEmpty { merger.blocked.remove(at: index) }
    try deliver(record, into: &visitor)
    return true
  }
}
