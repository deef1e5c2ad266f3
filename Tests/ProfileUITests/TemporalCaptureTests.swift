import Foundation
import MemoryAnalysis
import Testing
import WorkshopTestSupport

/// Temporal snapshots of a real capture agree with the analysis's own timeline.
@Suite("temporal snapshots of a real capture", .timeLimit(.minutes(2)))
struct TemporalCaptureTests {
  @Test("what was alive at a moment sums to the timeline's heap at the first tick after it")
  func aliveMatchesTimeline() throws {
    let program = try TestProgram.compile(
      TestEnvironment.repositoryRoot.appendingPathComponent("Tests/ProfileUITests/Programs/grow_for_three_seconds.c"))
    let run = try TrackedRun.run(program.executable)
    let timeline = run.profile.timeline
    try #require(timeline.count > 100)
    for index in [10, timeline.count / 3, timeline.count / 2, timeline.count - 5] {
      let moment = timeline[index - 1].microseconds + 1
      let snapshot = try TemporalSnapshot(contentsOf: run.capturePath, query: .aliveAt(microseconds: moment))
      #expect(snapshot.endTickMicroseconds == timeline[index].microseconds)
      #expect(snapshot.bytes == timeline[index].heapBytes, "at tick \(index)")
    }
    // Everything allocated over the whole run and not freed is what leaked.
    let whole = try TemporalSnapshot(
      contentsOf: run.capturePath, query: .allocatedNotFreed(from: 0, to: run.profile.totals.durationMicroseconds + 1))
    #expect(whole.bytes == run.profile.leakedBytes)
  }
}
