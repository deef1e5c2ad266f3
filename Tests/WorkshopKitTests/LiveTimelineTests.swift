import MemoryAnalysis
import Testing
import WorkshopKit

/// `LiveTimeline`: bounded, and every interval's maximum kept.
@Suite("live timeline")
struct LiveTimelineTests {
  private func point(_ tick: UInt64, heap: UInt64, resident: UInt64 = 0) -> TimelinePoint {
    TimelinePoint(
      microseconds: tick * 10_000, heapBytes: heap, maxHeapBytes: heap, residentBytes: resident, trackerBytes: 0)
  }

  @Test("keeps every tick until full, then halves, keeping the peak")
  func halving() {
    var timeline = LiveTimeline(capacity: 4)
    for tick in 0..<7 { timeline.append(point(UInt64(tick), heap: UInt64(tick))) }
    #expect(timeline.points.count == 7 && timeline.ticksPerPoint == 1)
    timeline.append(point(7, heap: 1_000))
    #expect(timeline.points.count == 4 && timeline.ticksPerPoint == 2)
    #expect(timeline.points.map(\.maxHeapBytes) == [1, 3, 5, 1_000])
    #expect(timeline.points.last?.microseconds == 70_000)
    for tick in 8..<1_000 {
      timeline.append(point(UInt64(tick), heap: tick == 500 ? 9_999 : 1, resident: UInt64(tick)))
    }
    #expect(timeline.points.count < 8)
    #expect(timeline.allPoints.map(\.maxHeapBytes).max() == 9_999, "the peak survives every halving")
    #expect(timeline.allPoints.last?.residentBytes == 999)
  }
}
