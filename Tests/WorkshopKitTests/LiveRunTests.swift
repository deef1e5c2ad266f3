import Foundation
import MemoryAnalysis
import Testing
import WorkshopKit
import WorkshopTestSupport
import ProcessLaunch

/// `LiveRun`: a real program under the real tracker, watched while it runs.
@Suite("live run", .timeLimit(.minutes(2)))
struct LiveRunTests {
  static let programs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs")

  private func program(_ name: String, arguments: [String] = [], in folder: URL) throws -> TrackedProgram {
    try TestEnvironment.requireProducts()
    let compiled = try TestProgram.compile(Self.programs.appendingPathComponent(name))
    var program = TrackedProgram(
      arguments: [compiled.executable] + arguments, capturePath: folder.appendingPathComponent("capture.bin").path,
      trackerLibrary: TestEnvironment.trackerLibrary)
    program.standardOutputPath = folder.appendingPathComponent("output.txt").path
    program.standardErrorPath = program.standardOutputPath
    return program
  }

  @Test("snapshots while a program grows for a second: fresh, rising, the last one the capture's exact peak")
  func snapshotsWhileItRuns() throws {
    let folder = try TestEnvironment.scratchFolder()
    let live = LiveRun(program: try program("grow_for_a_second.c", in: folder))
    try live.start()
    var snapshots: [LiveRun.Snapshot] = []
    var ages: [Double] = []
    while true {
      let snapshot = live.snapshot
      if snapshot.phase == .running && snapshot.sequence != snapshots.last?.sequence {
        snapshots.append(snapshot)
        ages.append(LiveRun.now() - snapshot.updatedAt)
      }
      if snapshot.phase == .finished { break }
      usleep(50_000)
    }
    let result = live.wait()
    let final = live.snapshot
    #expect(result.outcome.status == .exited(0))
    #expect(snapshots.count >= 10, "\(snapshots.count) snapshots while it ran")
    // The program frees everything just before it ends: the heap only grows up to its highest figure.
    let heaps = snapshots.map(\.heapBytes)
    let growing = heaps.prefix(through: heaps.firstIndex(of: heaps.max() ?? 0) ?? 0)
    #expect(zip(growing, growing.dropFirst()).allSatisfy { $0 <= $1 }, "the heap grows while it runs: \(heaps)")
    #expect(Set(growing).count >= 10, "rising figures: \(heaps)")
    // Fresh data: the tracker flushes every 10 ms and the follower reads every 20 ms. The worst case
    // is bounded loosely, as the machine is shared; Benchmarks/start.sh measures it under the UI.
    let sortedAges = ages.sorted()
    #expect(sortedAges[sortedAges.count / 2] < 0.1, "data at most 100 ms old when read: \(ages)")
    #expect((ages.max() ?? 1) < 0.5, "\(ages)")
    let capture = try MemoryProfile(contentsOf: live.program.capturePath)
    #expect(final.phase == .finished)
    #expect(final.peakHeapBytes == capture.peak.bytes)
    #expect(final.peakHeapBytes >= 200 * 64 * 1024)
    #expect(final.heapBytes == capture.heapBytesAtEnd)
    #expect(final.ticks == capture.timeline.count)
    #expect(final.outcome?.status == .exited(0))
  }

  @Test("cancel ends a program that ignores SIGTERM, and its children, within a second")
  func cancelEndsTheGroup() throws {
    let folder = try TestEnvironment.scratchFolder()
    let pidFile = folder.appendingPathComponent("pids.txt").path
    var program = try program("ignore_term_with_children.c", arguments: [pidFile], in: folder)
    program.ownProcessGroup = true
    let live = LiveRun(program: program)
    try live.start()
    var pids: [pid_t] = []
    for _ in 0..<500 where pids.count < 4 {
      usleep(10_000)
      pids = ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
        pid_t($0)
      }
    }
    try #require(pids.count == 4, "the program wrote its pid and its three children's")
    let cancelled = LiveRun.now()
    live.cancel()
    let result = live.wait()
    let took = LiveRun.now() - cancelled
    #expect(took < 1, "cancel took \(took) s")
    guard case .cancelled = result.outcome.boundReached else {
      Issue.record("the outcome says it was cancelled: \(String(describing: result.outcome.boundReached))")
      return
    }
    #expect(result.outcome.status == .signaled(SIGKILL))
    usleep(100_000)
    for pid in pids.dropFirst() { #expect(!ProcessState.isRunning(pid), "child \(pid) ended with the group") }
  }

  @Test("a live run changes no signal disposition of ours")
  func signalsUntouched() throws {
    let folder = try TestEnvironment.scratchFolder()
    // The signals this process ignores and catches, as the kernel reports them.
    func dispositions() throws -> [Substring] {
      try String(contentsOfFile: "/proc/self/status", encoding: .utf8).split(separator: "\n").filter {
        $0.hasPrefix("SigIgn:") || $0.hasPrefix("SigCgt:")
      }
    }
    let before = try dispositions()
    let live = LiveRun(program: try program("grow_for_a_second.c", in: folder))
    try live.start()
    usleep(100_000)
    let during = try dispositions()
    live.cancel()
    _ = live.wait()
    #expect(during == before)
  }
}
