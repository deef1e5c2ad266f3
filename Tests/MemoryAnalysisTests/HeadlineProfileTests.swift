import MemoryAnalysis
import MemoryTrace
import Testing

extension SplitMix: RandomNumberGenerator {}

/// A profiler that keeps nothing per stack (`workshop run`'s) gives the very figures its summary
/// prints that a full one gives.
@Suite struct HeadlineProfileTests {
  /// The same events into both kinds of profiler: allocations on several threads and stacks, frees
  /// of live and unknown addresses, reallocs in place, address 0, ticks, markers and an exec.
  static func fed(seed: UInt64) -> (everything: MemoryProfile, headline: MemoryProfile) {
    let profiles = fed(seed: seed, details: [.everything, .headline])
    return (profiles[0], profiles[1])
  }

  /// The same events into one profiler of each of `details`, in order.
  static func fed(seed: UInt64, details: [MemoryProfiler.Detail]) -> [MemoryProfile] {
    var random = SplitMix(seed: seed)
    var runs = details.map { Run(detail: $0) }
    var live: [UInt64] = []
    var clock: UInt64 = 0
    func both(_ body: (inout Run) -> Void) {
      for index in runs.indices { body(&runs[index]) }
    }
    for step in 0..<20_000 {
      let thread = UInt64.random(in: 1...3, using: &random)
      both { $0.on(thread) }
      switch Int.random(in: 0..<100, using: &random) {
      case 0..<50:
        // Neighbouring and far-apart addresses, now and then address 0.
        let address = step % 997 == 0 ? 0 : 0x10_0000 + UInt64.random(in: 0..<4096, using: &random) * 16
        let size = UInt64.random(in: 1...5000, using: &random)
        let stack = UInt32.random(in: 1...50, using: &random)
        both { $0.alloc(address, size, stack: stack) }
        live.append(address)
      case 50..<90 where !live.isEmpty:
        let address = live.remove(at: Int.random(in: 0..<live.count, using: &random))
        both { $0.free(address) }
      case 90..<94 where !live.isEmpty:
        let address = live[Int.random(in: 0..<live.count, using: &random)]
        let size = UInt64.random(in: 1...9000, using: &random)
        both { $0.alloc(address, size, stack: 7, kind: .realloc) }
      case 94..<96:
        both { $0.free(0xDEAD_0000 + UInt64(step) * 16) }
      case 96..<99:
        clock += 10
        both { $0.tick(ms: clock, rss: UInt64(step)) }
      default:
        both { $0.marker("step \(step % 5)") }
      }
      if step == 12_345 {
        both { $0.profiler.visit(ExecEvent(microseconds: clock * 1000)) }
        live.removeAll()
      }
    }
    both { $0.end(ms: clock + 5) }
    return runs.map(\.profile)
  }

  @Test(arguments: [1, 2, 3] as [UInt64])
  func headlineFiguresAreTheFullOnes(seed: UInt64) {
    let (everything, headline) = Self.fed(seed: seed)
    #expect(headline.detail == .headline)
    #expect(everything.detail == .everything)
    #expect(headline.totals == everything.totals)
    #expect(headline.peak.bytes == everything.peak.bytes)
    #expect(headline.peak.microseconds == everything.peak.microseconds)
    #expect(headline.peak.eventIndex == everything.peak.eventIndex)
    #expect(headline.heapBytesAtEnd == everything.heapBytesAtEnd)
    #expect(headline.leakedAllocations == everything.leakedAllocations)
    #expect(everything.leakedAllocations == everything.leaks.reduce(0) { $0 + $1.count })
    #expect(everything.leakedAllocations > 0)
    #expect(headline.timeline == everything.timeline)
    #expect(headline.markers == everything.markers)
    #expect(headline.execs == everything.execs)
    #expect(headline.threadIDs == everything.threadIDs)
    #expect(everything.totals.inPlaceReallocations > 0 && everything.totals.unknownFrees > 0)
  }

  @Test func headlineKeepsNothingPerStack() {
    let (everything, headline) = Self.fed(seed: 4)
    #expect(!everything.peak.aliveByStack.isEmpty && !everything.allocatedByStack.isEmpty)
    #expect(headline.peak.aliveByStack.isEmpty)
    #expect(headline.leaks.isEmpty)
    #expect(headline.allocatedByStack.isEmpty)
    #expect(headline.temporaries.byStack.isEmpty && headline.temporaries.count == 0)
    #expect(headline.histogram == SizeHistogram())
  }

  @Test func aRegionMeansEverything() {
    let request = RegionRequest(from: "start")
    var run = Run(regions: [request], detail: .headline)
    run.marker("start")
    run.alloc(0x1000, 64, stack: 3)
    #expect(run.profiler.detail == .everything)
    #expect(run.profile.region(request)?.peakBytes == 64)
    #expect(run.profile.leaks.count == 1)
  }
}
