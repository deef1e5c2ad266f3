import MemoryAnalysis
import MemoryTrace
import Testing

/// What the profiler keeps per record kind is bounded, whatever the capture holds.
@Suite struct BoundsTests {
  @Test("the timeline keeps at most its bound of points, merging neighbours and keeping the highest heap")
  func timelineBound() {
    var profiler = MemoryProfiler()
    let ticks = MemoryProfiler.maximumTimelinePoints * 3
    for tick in 0..<ticks {
      if tick == 12_345 { profiler.visit(AllocationEvent(kind: .malloc, address: 64, size: 1 << 30, stack: 0, thread: 1)) }
      if tick == 12_346 { profiler.visit(DeallocationEvent(kind: .free, address: 64, thread: 1)) }
      profiler.visit(TickEvent(microseconds: UInt64(tick) * 10_000, residentBytes: 0, trackerBytes: 0))
    }
    #expect(profiler.timeline.count <= MemoryProfiler.maximumTimelinePoints)
    #expect(profiler.timeline.count > MemoryProfiler.maximumTimelinePoints / 4)
    #expect(profiler.timeline.map(\.maxHeapBytes).max() == 1 << 30)
    #expect(profiler.timeline.last?.microseconds == UInt64(ticks - 1) * 10_000)
  }

  @Test("markers past the bound are counted, not kept")
  func markerBound() {
    var profiler = MemoryProfiler()
    for _ in 0..<(MemoryProfiler.maximumMarkers + 10) { profiler.visit(MarkerEvent(name: "m", thread: 1)) }
    #expect(profiler.markers.count == MemoryProfiler.maximumMarkers)
    #expect(profiler.recordsNotKept == 10)
  }
}
