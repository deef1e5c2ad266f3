import Foundation
import ProcessLaunch
import Testing
import WorkshopKit
import WorkshopTestSupport

/// A program in a process group of its own (an exercise) takes with it, when it is stopped or
/// ends, also the processes that left its group: one that called `setsid()` and a daemon.
@Suite("live run: processes that leave the group", .timeLimit(.minutes(2)))
struct EscapedProcessTests {
  static let programs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs")

  private func run(_ mode: String) throws -> (live: LiveRun, pidFile: String) {
    try TestEnvironment.requireProducts()
    let folder = try TestEnvironment.scratchFolder("escape-\(mode)")
    let compiled = try TestProgram.compile(Self.programs.appendingPathComponent("escape_the_group.c"))
    let pidFile = folder.appendingPathComponent("pids.txt").path
    var program = TrackedProgram(
      arguments: [compiled.executable, pidFile, mode], capturePath: folder.appendingPathComponent("capture.bin").path,
      trackerLibrary: TestEnvironment.trackerLibrary)
    program.ownProcessGroup = true
    program.standardOutputPath = folder.appendingPathComponent("output.txt").path
    let live = LiveRun(program: program)
    try live.start()
    return (live, pidFile)
  }

  /// The two pids the program wrote, once it wrote them (at most 5 s).
  private func escaped(_ pidFile: String) throws -> [pid_t] {
    var pids: [pid_t] = []
    for _ in 0..<500 where pids.count < 2 {
      usleep(10_000)
      pids = ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
        pid_t($0)
      }
    }
    try #require(pids.count == 2, "the program wrote the pids of the two that left its group")
    return pids
  }

  private func expectGone(_ pids: [pid_t]) {
    for _ in 0..<100 where pids.contains(where: ProcessState.isRunning) { usleep(10_000) }
    for pid in pids { #expect(!ProcessState.isRunning(pid), "process \(pid) ended with the run") }
  }

  @Test("cancel ends the program, its setsid() child and its daemon")
  func cancel() throws {
    let (live, pidFile) = try run("stay")
    let pids = try escaped(pidFile)
    #expect(pids.allSatisfy(ProcessState.isRunning), "both run before the cancel")
    live.cancel()
    let result = live.wait()
    #expect(result.outcome.status == .signaled(SIGKILL))
    expectGone(pids)
  }

  @Test("a program that ends at once leaves nothing running behind it")
  func leftBehind() throws {
    let (live, pidFile) = try run("leave")
    let result = live.wait()
    #expect(result.outcome.status == .exited(0))
    expectGone(try escaped(pidFile))
  }

  @Test("a run without a group of its own leaves what it started alone (a profiled server's daemon is its own)")
  func foregroundRunsKeepTheirDaemons() throws {
    try TestEnvironment.requireProducts()
    let folder = try TestEnvironment.scratchFolder()
    let compiled = try TestProgram.compile(Self.programs.appendingPathComponent("escape_the_group.c"))
    let pidFile = folder.appendingPathComponent("pids.txt").path
    var program = TrackedProgram(
      arguments: [compiled.executable, pidFile, "leave"],
      capturePath: folder.appendingPathComponent("capture.bin").path, trackerLibrary: TestEnvironment.trackerLibrary)
    program.standardOutputPath = folder.appendingPathComponent("output.txt").path
    #expect(program.environment()["WORKSHOP_RUN_MARKER"] == nil)
    let live = LiveRun(program: program)
    try live.start()
    _ = live.wait()
    let pids = try escaped(pidFile)
    #expect(pids.allSatisfy(ProcessState.isRunning), "both still run")
    for pid in pids { kill(pid, SIGKILL) }
  }
}
