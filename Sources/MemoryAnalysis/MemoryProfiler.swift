import MemoryTrace

/// The single streaming pass of the analysis: a ``CaptureVisitor`` that keeps the live blocks, the
/// heap, its peak (with what was alive then), the timeline, temporaries, sizes and regions.
///
/// Feed it a capture with ``CaptureReader/read(into:fileMayGrow:)`` (once for a finished file,
/// repeatedly for a growing one), then ask for ``profile(frames:readProblem:)``. It can also be fed
/// events directly, which is how the tests describe designed sequences.
///
/// Event indices count ALLOC and FREE records only, from 0.
///
/// With ``Detail/headline`` it keeps only what `workshop run`'s summary prints (see ``Detail``).
///
/// - Complexity: O(1) expected per event (a hash-map update and array updates, plus O(*r*) for
///   *r* active regions); memory O(*b* + *s* + *t*) for *b* live blocks, *s* stacks, *t* ticks.
///   ``profile(frames:readProblem:)`` is O(*s* log *s* + *b*).
public struct MemoryProfiler: CaptureVisitor {
  /// How much a profiler works out per event.
  public enum Detail: Sendable, Equatable {
    /// Every figure a report draws.
    case everything
    /// The figures `workshop run`'s summary prints and no more: counts, the heap, its peak (bytes,
    /// time, event), the leaks' bytes and blocks, the timeline, markers, threads and execs. Nothing
    /// is kept per stack (what was alive at the peak, leaks and allocations by stack and the
    /// temporaries come out empty) and the size histogram stays empty: on a program with a million
    /// stacks (a recursive tree) those arrays were most of the follower's work, and on any program
    /// a third of the profiler's. Regions need the per-stack figures: asking for one means
    /// ``everything``.
    case headline
    /// Every figure ``everything`` works out but the per-stack lists `lists` leaves out, which come
    /// out empty: a report pays only for the lists it draws (`workshop stats` prints a few stacks
    /// alive at the peak; `workshop flamegraph` one list, whole). Regions need every list: asking
    /// for one means ``everything``.
    case lists(StackLists)
  }

  /// Which per-stack lists a profile holds (see ``Detail/lists(_:)``).
  public struct StackLists: Sendable, Equatable {
    /// How many stacks of what was alive at the peak are kept, the largest first (`Int.max`: all).
    public var aliveAtPeak: Int
    /// Whether the blocks alive at the end (``MemoryProfile/leaks``) are ranked by stack.
    public var leaks: Bool
    /// Whether every allocation is counted by stack (``MemoryProfile/allocatedByStack``), at each
    /// allocation.
    public var allocated: Bool
    /// Whether the temporary allocations are ranked by stack.
    public var temporaries: Bool
    /// Whether the size histogram and the temporaries' count and bytes are worked out (always when
    /// ``temporaries`` is): `workshop stats` prints them, a tree of what was alive needs neither.
    public var sizesAndTemporaries: Bool

    /// The lists named: the largest `aliveAtPeak` stacks alive at the peak (`Int.max`: all, 0:
    /// none), and the others as asked.
    public init(
      aliveAtPeak: Int = 0, leaks: Bool = false, allocated: Bool = false, temporaries: Bool = false,
      sizesAndTemporaries: Bool = true
    ) {
      self.aliveAtPeak = max(0, aliveAtPeak)
      self.leaks = leaks
      self.allocated = allocated
      self.temporaries = temporaries
      self.sizesAndTemporaries = sizesAndTemporaries || temporaries
    }

    /// Every list, whole: what ``Detail/everything`` keeps.
    public static let all = StackLists(aliveAtPeak: .max, leaks: true, allocated: true, temporaries: true)
  }

  /// What this profiler works out.
  public let detail: Detail
  /// Whether anything is kept per stack, the histogram and the temporaries (not ``Detail/headline``),
  /// asked on every event: a stored flag, not a comparison of `detail`.
  private let keepsPerStack: Bool
  /// Whether every allocation is counted by stack (``StackLists/allocated``), asked on every allocation.
  private let countsAllocatedByStack: Bool
  /// Whether sizes and temporaries are counted (``StackLists/sizesAndTemporaries``), asked on every event.
  private let countsSizesAndTemporaries: Bool
  /// The lists ``profile(frames:readProblem:)`` ranks.
  private let lists: StackLists
  /// The live blocks (their sizes alone with ``Detail/headline``).
  private var blocks: LiveBlockTable
  /// Whether a reader is delivering records (``beginRecords()``) and `blocks` is this profiler's
  /// alone: no copy of the profiler can be made meanwhile, so no event needs to ask again (asking,
  /// a runtime call, was 1-2.5 % of reading a capture).
  private var ownsBlocks = false
  /// Heap events taken during a read and not yet worked out, while their slots load (see
  /// ``PrefetchQueue``); always empty outside a read.
  private var queued = PrefetchQueue()
  private var mark = HighWaterMark()
  private var allocatedByStack = PerStackTotals()
  private var histogram = SizeHistogram()
  private var temporaries = TemporaryAllocationTracker()
  private var regions: [RegionTracker]
  private var threadSlots: [UInt64: UInt32] = [:]
  private var threadIDs: [UInt64] = []
  private var cachedThread: (tid: UInt64, slot: UInt32)?

  // Counts by kind, indexed by raw value, inline in the profiler: an array's uniqueness check was
  // a call into the runtime on every event.
  private var allocationKinds = InlineArray<9, UInt64>(repeating: 0)
  private var deallocationKinds = InlineArray<2, UInt64>(repeating: 0)
  private var allocations: UInt64 = 0
  private var frees: UInt64 = 0
  private var unknownFrees: UInt64 = 0
  private var bytesAllocated: UInt64 = 0
  private var lost: UInt64 = 0
  private var inPlaceReallocations: UInt64 = 0
  private var overwrittenBlocks: UInt64 = 0
  private var maxSinceTick: UInt64 = 0
  private var lastTick: UInt64 = 0
  private var endTime: UInt64?

  /// The ticks seen so far: heap, max heap since the previous tick, resident size.
  public private(set) var timeline: [TimelinePoint] = []
  /// The markers seen so far, in order.
  public private(set) var markers: [MarkerOccurrence] = []
  /// The programs the process exec()ed so far, in order.
  public private(set) var execs: [ProgramExec] = []
  /// Whether the last exec still waits for its program's COMMAND record.
  private var execAwaitsCommand = false
  /// The heap bytes (sum of live blocks) now.
  public private(set) var heapBytes: UInt64 = 0
  /// The number of ALLOC and FREE events seen.
  public private(set) var eventCount: UInt64 = 0
  /// The capture header, once seen.
  public private(set) var header: CaptureHeader?
  /// The command line of the program that was run, once seen (exec()ed programs: ``execs``).
  public private(set) var command: CaptureCommand?

  // What the profiler keeps per record kind is bounded, so that a small file (a compressed capture
  // holds a gigabyte of markers in 42 KB) cannot take the machine's memory. Blocks, stacks and
  // sizes are bounded by the reader (sizes, frames) and by the program's own heap.

  /// Most timeline points kept: past it, neighbouring points merge (the highest heap kept), so a
  /// long run's chart has at most this many.
  public static let maximumTimelinePoints = 1 << 18
  /// Most marker occurrences kept in ``markers``, and most bytes of their names; regions still see
  /// every marker.
  public static let maximumMarkers = 1 << 16
  public static let maximumMarkerNameBytes = 16 << 20
  /// Most exec()ed programs kept in ``execs``.
  public static let maximumExecs = 1 << 12
  /// Most distinct threads told apart; later ones share the last slot.
  public static let maximumThreads = 1 << 16

  /// Ticks merged into each timeline point (doubles each time the timeline is halved).
  private var ticksPerPoint = 1
  private var ticksInLastPoint = 0
  private var markerNameBytes = 0
  /// Markers and execs seen but not kept (past the bounds above).
  public private(set) var recordsNotKept: UInt64 = 0

  /// Creates a profiler that will also measure the peak of each region in `regions`, working out
  /// the figures `detail` names (``Detail/everything`` whenever a region is asked for).
  public init(regions: [RegionRequest] = [], detail: Detail = .everything) {
    self.regions = regions.map(RegionTracker.init)
    self.detail = regions.isEmpty ? detail : .everything
    switch self.detail {
    case .everything: (keepsPerStack, lists) = (true, .all)
    case .headline: (keepsPerStack, lists) = (false, StackLists(sizesAndTemporaries: false))
    case .lists(let asked): (keepsPerStack, lists) = (true, asked)
    }
    assert(
      allocationKinds.count == AllocationKind.allCases.count
        && deallocationKinds.count == DeallocationKind.allCases.count, "a count for every kind")
    countsAllocatedByStack = lists.allocated
    countsSizesAndTemporaries = lists.sizesAndTemporaries
    // Only a region asks for a block's serial (which region made it): without one, a block's size
    // and stack fit 16-byte slots, half the cache lines and fresh pages of whole blocks (`stats`
    // of four depth-17 trees, a million blocks alive at once: see Benchmarks/RESULTS.md, session 13).
    blocks = LiveBlockTable(contents: !keepsPerStack ? .sizes : regions.isEmpty ? .sizesAndStacks : .blocks)
  }

  /// The largest heap reached so far, in bytes.
  public var peakBytes: UInt64 { UInt64(bitPattern: mark.peak) }

  /// When the peak so far was reached: the last tick before it, in microseconds.
  public var peakMicroseconds: UInt64 { mark.peakTime }

  /// The allocations seen so far.
  public var allocationCount: UInt64 { allocations }

  /// The time of the last TICK or END seen, in microseconds.
  public var durationMicroseconds: UInt64 { endTime ?? lastTick }

  /// The blocks alive now, grouped by stack, largest first: a live view's top locations (none
  /// with ``Detail/headline``).
  ///
  /// - Complexity: O(*s* log *s*) for *s* stacks seen.
  public func aliveNowByStack() -> [StackTotal] { mark.aliveNow() }

  // MARK: - Visiting

  /// Keeps the header.
  public mutating func visit(_ header: CaptureHeader) {
    workOutQueued()
    self.header = header
  }

  /// Keeps the first command (the program that was run); a later one names an exec()ed program.
  public mutating func visit(_ command: CaptureCommand) {
    workOutQueued()
    if execAwaitsCommand {
      execs[execs.count - 1].command = command
      execAwaitsCommand = false
    } else if self.command == nil {
      self.command = command
    }
  }

  /// Ends every live block with the old program (they are not leaks) and notes the exec.
  ///
  /// - Complexity: O(*b*) for *b* live blocks.
  public mutating func visit(_ exec: ExecEvent) {
    workOutQueued()
    var ended: [LiveBlock] = []
    ended.reserveCapacity(blocks.count)
    blocks.forEach { _, block in ended.append(block) }
    let endedBytes = heapBytes
    for block in ended { release(block) }
    blocks = LiveBlockTable(contents: blocks.contents)
    temporaries.programEnded()
    guard execs.count < Self.maximumExecs else {
      recordsNotKept &+= 1
      execAwaitsCommand = false
      return
    }
    execs.append(
      ProgramExec(
        microseconds: exec.microseconds, eventIndex: eventCount, command: CaptureCommand(executable: "", arguments: []),
        endedBytes: endedBytes, endedBlocks: UInt64(ended.count)))
    execAwaitsCommand = true
  }

  /// Registers the thread.
  public mutating func visitThread(_ thread: UInt64) {
    if let cachedThread, cachedThread.tid == thread { return }
    if let known = knownSlot(of: thread) {
      cachedThread = (thread, known)
      return
    }
    // Threads are numbered in the order they are first seen: a new one after the queued events'.
    workOutQueued()
    _ = slot(of: thread)
  }

  /// Counts an allocation and updates every figure it affects.
  public mutating func visit(_ allocation: AllocationEvent) {
    // A table that fits the cache gains nothing from the queue, and pays for it.
    guard ownsBlocks && blocks.outgrowsCache else { return workOut(allocation) }
    blocks.prefetch(allocation.address)
    if queued.isFull { workOutOldest() }
    queued.append(QueuedHeapEvent(allocation))
  }

  /// Counts a deallocation; frees of addresses never seen allocated are counted apart and ignored.
  public mutating func visit(_ deallocation: DeallocationEvent) {
    guard ownsBlocks && blocks.outgrowsCache else { return workOut(deallocation) }
    blocks.prefetch(deallocation.address)
    if queued.isFull { workOutOldest() }
    queued.append(QueuedHeapEvent(deallocation))
  }

  @inline(__always)
  private mutating func workOutOldest() {
    let event = queued.removeOldest()
    if event.isAllocation { workOut(event.allocation) } else { workOut(event.deallocation) }
  }

  /// Works out every queued event, oldest first: before any record that reads or changes what they
  /// change (a tick's time, a marker's heap, the thread numbers), and at the end of a read.
  @inline(__always)
  private mutating func workOutQueued() {
    while !queued.isEmpty { workOutOldest() }
  }

  @inline(__always)
  private mutating func workOut(_ allocation: AllocationEvent) {
    let thread = slot(of: allocation.thread)
    let serial = eventCount
    eventCount &+= 1
    let size = allocation.size
    allocations &+= 1
    bytesAllocated &+= size
    allocationKinds[Int(allocation.kind.rawValue)] &+= 1
    if keepsPerStack {
      if countsSizesAndTemporaries { histogram.add(size) }
      if countsAllocatedByStack { allocatedByStack.add(size, at: allocation.stack) }
    }

    let block = LiveBlock(size: size, serial: serial, stack: allocation.stack, thread: thread)
    makeBlocksUnique()
    if let replaced = blocks.insert(allocation.address, block) {
      // The address is still live: a realloc() that grew or shrank in place (no FREE record is
      // written for it), or a FREE the tracker lost. Either way the old block is gone.
      if allocation.kind == .realloc || allocation.kind == .reallocarray {
        inPlaceReallocations &+= 1
      } else {
        overwrittenBlocks &+= 1
      }
      release(replaced)
    }
    heapBytes &+= size
    if keepsPerStack { mark.add(stack: allocation.stack, bytes: size) }
    mark.reached(Int64(bitPattern: heapBytes), event: serial, time: lastTick)
    if heapBytes > maxSinceTick { maxSinceTick = heapBytes }
    guard keepsPerStack else { return }
    if countsSizesAndTemporaries { temporaries.allocated(allocation.address, thread: Int(thread)) }
    for index in regions.indices where regions[index].state == .active {
      regions[index].allocated(block, heap: heapBytes, time: lastTick)
    }
  }

  @inline(__always)
  private mutating func workOut(_ deallocation: DeallocationEvent) {
    let thread = slot(of: deallocation.thread)
    eventCount &+= 1
    deallocationKinds[Int(deallocation.kind.rawValue)] &+= 1
    makeBlocksUnique()
    guard let block = blocks.remove(deallocation.address) else {
      unknownFrees &+= 1
      return
    }
    frees &+= 1
    if keepsPerStack, countsSizesAndTemporaries,
      temporaries.freed(deallocation.address, thread: Int(thread), block: block)
    {
      for index in regions.indices where regions[index].state == .active && regions[index].owns(block) {
        regions[index].temporary(block)
      }
    }
    release(block)
  }

  /// Adds a point to the timeline.
  public mutating func visit(_ tick: TickEvent) {
    workOutQueued()
    lastTick = tick.microseconds
    let point = TimelinePoint(
      microseconds: tick.microseconds, heapBytes: heapBytes, maxHeapBytes: max(maxSinceTick, heapBytes),
      residentBytes: tick.residentBytes, trackerBytes: tick.trackerBytes)
    maxSinceTick = heapBytes
    if ticksInLastPoint < ticksPerPoint, let last = timeline.last {
      timeline[timeline.count - 1] = last.merging(point)
      ticksInLastPoint += 1
      return
    }
    if timeline.count == Self.maximumTimelinePoints {
      // Halve: each pair becomes one point, and each point from now on stands for twice the ticks.
      var halved: [TimelinePoint] = []
      halved.reserveCapacity(Self.maximumTimelinePoints)
      for index in stride(from: 0, to: timeline.count, by: 2) {
        halved.append(index + 1 < timeline.count ? timeline[index].merging(timeline[index + 1]) : timeline[index])
      }
      timeline = halved
      ticksPerPoint *= 2
    }
    timeline.append(point)
    ticksInLastPoint = 1
  }

  /// Records the marker and starts or ends the regions it names.
  public mutating func visit(_ marker: MarkerEvent) {
    workOutQueued()
    if markers.count < Self.maximumMarkers && markerNameBytes + marker.name.utf8.count <= Self.maximumMarkerNameBytes {
      markerNameBytes += marker.name.utf8.count
      markers.append(
        MarkerOccurrence(
          name: marker.name, thread: marker.thread, microseconds: lastTick, eventIndex: eventCount,
          heapBytes: heapBytes))
    } else {
      recordsNotKept &+= 1
    }
    _ = slot(of: marker.thread)
    for index in regions.indices {
      regions[index].marker(marker.name, heap: heapBytes, event: eventCount, time: lastTick)
    }
  }

  /// Notes the end of the run.
  public mutating func visitEnd(microseconds: UInt64) {
    workOutQueued()
    endTime = microseconds
  }

  /// Counts lost events.
  public mutating func visitLost(count: UInt64) {
    workOutQueued()
    lost &+= count
  }

  /// Makes the live blocks this profiler's own for the records a reader delivers next.
  public mutating func beginRecords() {
    if !isKnownUniquelyReferenced(&blocks) { blocks = blocks.copy() }
    ownsBlocks = true
  }

  /// Works out the events still queued; from now on a copy of the profiler may share its live blocks.
  public mutating func endRecords() {
    workOutQueued()
    ownsBlocks = false
  }

  // MARK: - Helpers

  /// Copies the live blocks before a change if another copy of the profiler shares them.
  @inline(__always)
  private mutating func makeBlocksUnique() {
    if !ownsBlocks && !isKnownUniquelyReferenced(&blocks) { blocks = blocks.copy() }
  }

  @inline(__always)
  private mutating func release(_ block: LiveBlock) {
    heapBytes &-= block.size
    // A headline profile keeps nothing per stack or region (its blocks carry their sizes alone).
    guard keepsPerStack else { return }
    mark.leaving()
    mark.remove(stack: block.stack, bytes: block.size)
    for index in regions.indices where regions[index].state == .active {
      regions[index].freed(block)
    }
  }

  /// The slot of a thread seen before, or nil. The first threads are looked for in `threadIDs`
  /// (a thread's slot is its place there): the threads of a clock-keyed capture take turns every
  /// few dozen records, and hashing their numbers was 3 % of reading 8 threads' capture.
  @inline(__always)
  private func knownSlot(of tid: UInt64) -> UInt32? {
    let scanned = min(threadIDs.count, Self.threadsScanned)
    for index in 0..<scanned where threadIDs[index] == tid { return UInt32(index) }
    return threadIDs.count > scanned ? threadSlots[tid] : nil
  }

  /// Threads looked for in `threadIDs` before `threadSlots`.
  private static let threadsScanned = 16

  @inline(__always)
  private mutating func slot(of tid: UInt64) -> UInt32 {
    if let cachedThread, cachedThread.tid == tid { return cachedThread.slot }
    let slot: UInt32
    if let known = knownSlot(of: tid) {
      slot = known
    } else if threadIDs.count == Self.maximumThreads {
      slot = UInt32(Self.maximumThreads - 1)
    } else {
      slot = UInt32(threadIDs.count)
      threadIDs.append(tid)
      threadSlots[tid] = slot
    }
    cachedThread = (tid, slot)
    return slot
  }

  // MARK: - Results

  /// The figures so far, with stacks resolved through `frames`.
  ///
  /// - Parameters:
  ///   - frames: the reader's frame table (``CaptureReader/frames``), kept for ``MemoryProfile/stack(_:)``.
  ///   - readProblem: a truncation warning or damage the reader reported, carried along for display.
  /// - Complexity: O(*s* log *s* + *b*) for *s* stacks and *b* live blocks.
  public func profile(frames: FrameTable = FrameTable(), readProblem: CaptureError? = nil) -> MemoryProfile {
    var byKind: [AllocationKind: UInt64] = [:]
    for kind in AllocationKind.allCases where allocationKinds[Int(kind.rawValue)] > 0 {
      byKind[kind] = allocationKinds[Int(kind.rawValue)]
    }
    var freesByKind: [DeallocationKind: UInt64] = [:]
    for kind in DeallocationKind.allCases where deallocationKinds[Int(kind.rawValue)] > 0 {
      freesByKind[kind] = deallocationKinds[Int(kind.rawValue)]
    }
    let totals = ProfileTotals(
      allocations: allocations, frees: frees, unknownFrees: unknownFrees, bytesAllocated: bytesAllocated,
      allocationsByKind: byKind, deallocationsByKind: freesByKind, threads: threadIDs.count,
      durationMicroseconds: durationMicroseconds, lostEvents: lost, inPlaceReallocations: inPlaceReallocations,
      overwrittenBlocks: overwrittenBlocks)
    let peak = HeapPeak(
      bytes: peakBytes, microseconds: mark.peakTime, eventIndex: mark.hasPeak ? mark.peakEvent : nil,
      aliveByStack: lists.aliveAtPeak > 0 ? mark.aliveAtPeak(largest: lists.aliveAtPeak) : [])
    let leaks = lists.leaks ? mark.aliveNow() : []
    let end = durationMicroseconds
    return MemoryProfile(
      header: header, command: command, detail: detail, totals: totals, peak: peak, leaks: leaks,
      heapBytesAtEnd: heapBytes, leakedAllocations: UInt64(blocks.count),
      timeline: timeline, histogram: histogram, temporaries: temporaries.result(ranked: lists.temporaries),
      allocatedByStack: lists.allocated ? allocatedByStack.ranked : [], markers: markers,
      regions: regions.map { $0.result(endTime: end, leaks: regionLeaks(of: $0)) }, threadIDs: threadIDs,
      frames: frames, execs: execs,
      sawEnd: endTime != nil, readProblem: readProblem)
  }

  /// The blocks `region` allocated that are still alive, by stack.
  ///
  /// - Complexity: O(*b*) for *b* live blocks.
  private func regionLeaks(of region: RegionTracker) -> [StackTotal] {
    guard region.state != .waiting else { return [] }
    var byStack: [UInt32: (bytes: UInt64, count: UInt64)] = [:]
    blocks.forEach { _, block in
      guard region.owns(block) else { return }
      let total = byStack[block.stack, default: (0, 0)]
      byStack[block.stack] = (total.bytes &+ block.size, total.count &+ 1)
    }
    return byStack.map { StackTotal(stack: $0.key, bytes: $0.value.bytes, count: $0.value.count) }
      .sorted { ($0.bytes, $1.stack) > ($1.bytes, $0.stack) }
  }

  /// Every live block now (address and block), for callers that need them one by one (with
  /// ``Detail/headline``, their sizes alone; without regions, their sizes and stacks alone).
  package func forEachLiveBlock(_ body: (UInt64, LiveBlock) -> Void) { blocks.forEach(body) }
}
