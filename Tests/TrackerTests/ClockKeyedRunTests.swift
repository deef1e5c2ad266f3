import Foundation
import MemoryAnalysis
import MemoryTrace
import Testing
import WorkshopTestSupport

/// The clock merge's runs: a stream at the top of the merge delivers its next records without
/// going back through the heap while each would come next anyway. Racing threads' clock-keyed
/// captures, made by the real tracker, read with runs and without them (every record the one-record
/// way, ``CaptureReader/clockKeyedRuns``), must deliver the same events in the same order.
@Suite("Clock-keyed runs deliver what the one-record path delivers", .timeLimit(.minutes(5)))
struct ClockKeyedRunTests {
  /// The programs, of Tests/TrackerTests/Programs. (8 threads of Benchmarks/workloads/threads.c
  /// under LD_PRELOAD, 16 million events, also read the same both ways, and failed with the runs
  /// broken, but take 45 s of both cores in a debug build: too much for the suite.)
  static let programs = ["pattern_address_reuse.c", "pattern_cross_threads.c"]

  @Test(
    "racing threads' clock-keyed capture reads event for event the same with runs as one record at a time",
    arguments: programs)
  func runsMatchOneRecordAtATime(source: String) throws {
    try #require(
      TrackerOrder.clock.expectedVersion == 7, "clock keys need the tsc clocksource: the tracker keeps the counter here"
    )
    let (_, run) = try runThreaded(source, order: .clock)
    let capture = run.capturePath
    let inRuns = try DeliveredDigest.read(capture)
    let oneByOne = try CaptureReader.$clockKeyedRuns.withValue(false) { try DeliveredDigest.read(capture) }
    #expect(inRuns.version == 7, "clock keys, packed by workshop run")
    #expect(inRuns.allocations > 100_000 && inRuns.sawEnd, "a capture of every allocation")
    #expect(inRuns.allocations == oneByOne.allocations)
    #expect(inRuns.deallocations == oneByOne.deallocations)
    #expect(inRuns.frames == oneByOne.frames)
    #expect(inRuns.count == oneByOne.count)
    #expect(
      inRuns.firstDifference(from: oneByOne) == nil,
      "with runs and one record at a time, the events part within the block from this event on")
  }
}

/// Every event the reader delivers, in order (kind, address, size, stack and thread of each ALLOC
/// and FREE, every FRAME, thread switch and rare record), as one digest per 4,096 events: enough to
/// say where two reads part without holding the millions of events of 8 threads.
struct DeliveredDigest: CaptureVisitor {
  static let blockSize = 4096

  private(set) var digests: [UInt64] = []
  private(set) var count = 0
  private(set) var allocations = 0
  private(set) var deallocations = 0
  private(set) var frames = 0
  private(set) var sawEnd = false
  private(set) var version: UInt16 = 0
  private var state: UInt64 = 0

  /// Reads the capture at `path` with a reader made now (so under the current ``CaptureReader/clockKeyedRuns``).
  static func read(_ path: String) throws -> DeliveredDigest {
    let reader = try CaptureReader(path: path)
    var digest = DeliveredDigest()
    try reader.read(into: &digest)
    digest.finish()
    return digest
  }

  /// The first event (a multiple of ``blockSize``) from which `other` differs, or nil.
  func firstDifference(from other: DeliveredDigest) -> Int? {
    for (index, pair) in zip(digests, other.digests).enumerated() where pair.0 != pair.1 {
      return index * Self.blockSize
    }
    return digests.count == other.digests.count ? nil : min(digests.count, other.digests.count) * Self.blockSize
  }

  private mutating func mix(_ value: UInt64) {
    // SplitMix64's finalizer over the running state: a change anywhere changes the digest.
    var z = (state ^ value) &+ 0x9e37_79b9_7f4a_7c15
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    state = z ^ (z >> 31)
  }

  private mutating func event(_ tag: UInt64, _ values: UInt64...) {
    mix(tag)
    for value in values { mix(value) }
    count += 1
    if count % Self.blockSize == 0 {
      digests.append(state)
      state = 0
    }
  }

  /// The digest of the last events, fewer than a block.
  private mutating func finish() {
    if count % Self.blockSize != 0 { digests.append(state) }
  }

  mutating func visit(_ header: CaptureHeader) {
    version = header.version
    event(1, UInt64(header.version))
  }
  mutating func visit(_ command: CaptureCommand) { event(2, UInt64(command.arguments.count)) }
  mutating func visit(_ modules: ModuleTable) { event(3, UInt64(modules.modules.count)) }
  mutating func visit(_ frame: FrameEvent) {
    frames += 1
    event(4, UInt64(frame.node), UInt64(frame.parent), frame.ip)
  }
  mutating func visitThread(_ thread: UInt64) { event(5, thread) }
  mutating func visit(_ allocation: AllocationEvent) {
    allocations += 1
    event(
      6, UInt64(allocation.kind.rawValue), allocation.address, allocation.size, UInt64(allocation.stack),
      allocation.thread)
  }
  mutating func visit(_ deallocation: DeallocationEvent) {
    deallocations += 1
    event(7, UInt64(deallocation.kind.rawValue), deallocation.address, deallocation.thread)
  }
  mutating func visit(_ tick: TickEvent) { event(8, tick.microseconds, tick.residentBytes, tick.trackerBytes) }
  mutating func visit(_ marker: MarkerEvent) { event(9, UInt64(marker.name.utf8.count), marker.thread) }
  mutating func visitEnd(microseconds: UInt64) {
    sawEnd = true
    event(10, microseconds)
  }
  mutating func visitLost(count: UInt64) { event(11, count) }
  mutating func visit(_ exec: ExecEvent) { event(12, exec.microseconds) }
}
