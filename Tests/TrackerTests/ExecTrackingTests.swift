import Foundation
import MemoryAnalysis
import Testing
import WorkshopTestSupport
import MemoryTrace

/// A program that replaces itself with `exec` is still the program the user asked about: the
/// tracker follows it into the new image, in the same capture.
@Suite("Tracking across exec", .timeLimit(.minutes(5)))
struct ExecTrackingTests {
  @Test("three images of one process give one capture with exact figures; the exec'd blocks are not leaks")
  func designedExecChain() throws {
    let program = try Programs.compile("pattern_exec.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(program.executable)
    #expect(run.result.status == 0, "status 3: a capture descriptor survived a failed exec; 4: the environment leaked")
    let profile = run.profile
    let own = run.totals(profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
    #expect(own.count == 7)
    #expect(own.bytes == 1000 + 2000 + 4000 + 500 + 700 + 3000 + 1000)
    #expect(profile.peak.bytes == 6000)
    #expect(profile.leakedBytes == 3000)
    #expect(profile.leakedAllocations == 1)
    #expect(profile.sawEnd)
    #expect(profile.readProblem == nil)
    #expect(profile.execs.map { $0.command.arguments.last } == ["second", "third"])
    #expect(profile.execs.map(\.endedBytes) == [6000, 700])
    #expect(profile.command?.arguments.count == 1, "the command is the one the user ran")
    let untracked = try Command.run([program.executable])
    #expect(untracked.status == 0, "the program runs unchanged without the tracker")
  }

  @Test(
    "clock keys asked for after the capture began: the exec'd program keeps the counter, and the capture reads exactly")
  func orderKeptAcrossExec() throws {
    let program = try Programs.compile("pattern_exec_order.c", extraFlags: ["-fno-builtin", "-pthread"])
    // The counter asked for: the default switches to clock keys once threads record at once.
    let run = try TrackedRun.run(program.executable, environment: ["WORKSHOP_TRACKER_ORDER": "counter"])
    #expect(run.result.status == 0, "status 4: the second image did not see WORKSHOP_TRACKER_ORDER=clock")
    let profile = run.profile
    // A version 3 capture packed by `workshop run`: clock keys would have stayed version 3 on
    // the tracker's side, and their stripe fields would have been read as the next records.
    #expect(profile.header?.version == 5)
    #expect(profile.readProblem == nil, "\(run.result.all)")
    #expect(profile.sawEnd)
    let own = run.totals(profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
    #expect(own.count == 1 + 4 * 20_000)
    #expect(profile.totals.unknownFrees == 0)
    #expect(profile.totals.overwrittenBlocks == 0)
    #expect(profile.execs.count == 1)
  }

  @Test("a capture begun with clock keys allowed: the exec'd program's threads switch to them")
  func clockKeysAcrossExec() throws {
    // Clock keys need the `tsc` clocksource; elsewhere the tracker keeps the counter (and version 5).
    let clocksource =
      (try? String(
        contentsOfFile: "/sys/devices/system/clocksource/clocksource0/current_clocksource", encoding: .utf8)) ?? ""
    let clockUsable = clocksource.hasPrefix("tsc")
    let program = try Programs.compile("pattern_exec_order.c", extraFlags: ["-fno-builtin", "-pthread"])
    // The tracker read the adopted header through the capture's write-only descriptor: the read
    // failed, and every exec'd program stayed on the counter.
    let run = try TrackedRun.run(
      program.executable, environment: ["WORKSHOP_TRACKER_ORDER": "clock", "WORKSHOP_TRACKER_ORDER_STATS": "1"])
    #expect(run.result.status == 0, "status 4: the second image did not see WORKSHOP_TRACKER_ORDER=clock")
    if clockUsable {
      #expect(
        run.result.standardError.contains("order on the clock (clock usable)"),
        "the exec'd image's tracker says which order it ended on: \(run.result.all)")
    }
    let profile = run.profile
    #expect(profile.header?.version == (clockUsable ? CaptureFormat.clockPackedVersion : 5))
    #expect(profile.readProblem == nil, "\(run.result.all)")
    #expect(profile.sawEnd)
    let own = run.totals(profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
    #expect(own.count == 1 + 4 * 20_000)
    #expect(profile.totals.unknownFrees == 0)
    #expect(profile.totals.overwrittenBlocks == 0)
    #expect(profile.execs.count == 1)
  }

  @Test("sh -c 'exec /bin/ls /' records ls, and the summary says sh became ls")
  func shellExecsLs() throws {
    let run = try TrackedRun.run("sh", arguments: ["-c", "exec /bin/ls /"])
    #expect(run.result.status == 0)
    #expect(run.profile.totals.allocations > 50, "\(run.result.all)")
    #expect(run.profile.sawEnd)
    let modules = Set(run.profile.allocatedByStack.flatMap { run.profile.stack($0.stack) }.compactMap(\.modulePath))
    #expect(modules.contains { $0.hasSuffix("/ls") })
    #expect(run.result.standardError.contains("sh → /usr/bin/ls"), "\(run.result.all)")
  }

  @Test("env true: a whole capture, with the exec named in the summary")
  func envTrue() throws {
    let run = try TrackedRun.run("env", arguments: ["true"])
    #expect(run.result.status == 0)
    #expect(run.profile.sawEnd)
    #expect(run.profile.readProblem == nil, "\(run.result.all)")
    #expect(!run.result.standardError.contains("truncated"), "\(run.result.all)")
    let exec = try #require(
      run.result.standardError.split(separator: "\n").first { $0.contains("env → ") }, "\(run.result.all)")
    #expect(exec.hasSuffix("/true"))
  }

  @Test("with --follow-fork the root's exec stays in its capture and forked children still get their own")
  func followForkAndExec() throws {
    let run = try TrackedRun.run(
      "sh", arguments: ["-c", "/bin/ls / > /dev/null; exec /bin/ls /tmp"], followFork: true)
    #expect(run.result.status == 0)
    #expect(run.profile.totals.allocations > 50, "the exec'd ls is in the root capture")
    #expect(run.profile.sawEnd)
    let listed = run.result.standardError.split(separator: "\n").filter { $0.contains("child ") }
    #expect(!listed.isEmpty, "the first ls, a forked child, has its own capture: \(run.result.all)")
  }
}
