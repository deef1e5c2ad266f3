import Foundation
import MemoryAnalysis
import Testing
import WorkshopTestSupport

/// No event is lost at the edges of a run: a program that dies at once, one that closes every
/// descriptor, a shell whose children inherit the tracker.
@Suite("Events at the edges of a run", .timeLimit(.minutes(5)))
struct RunEdgeTests {
  @Test(
    "a program that dies within a millisecond of allocating leaves every event, and dies as it would",
    arguments: [("segv", 128 + SIGSEGV), ("abort", 128 + SIGABRT), ("term", 128 + SIGTERM), ("exit", 7)])
  func diesAtOnce(mode: String, status: Int32) throws {
    let program = try Programs.compile("pattern_edges.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(program.executable, arguments: [mode], name: "diesAtOnce\(mode)")
    #expect(run.result.status == status, "\(run.result.all)")
    let untracked = try Command.run([program.executable, mode])
    #expect(untracked.status == status, "the program ends the same way untracked")
    #expect(run.profile.totals.allocations == 10)
    #expect(run.profile.peak.bytes == 1_000_000)
    #expect(run.profile.leakedBytes == 1_000_000)
    #expect(run.profile.sawEnd == (mode == "exit"), "_exit() ends the program of its own accord: END")
  }

  @Test("the program's own signal handler runs as it would, and the dispositions it reads are its own")
  func programHandler() throws {
    let program = try Programs.compile("pattern_edges.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(program.executable, arguments: ["handler"])
    #expect(run.result.status == 5, "status 3: a disposition did not read back: \(run.result.all)")
    #expect(run.result.standardOutput == "handled\n")
    #expect(run.profile.totals.allocations == 10)
  }

  @Test("a signal the program inherited as ignored stays ignored")
  func ignoredSignalStaysIgnored() throws {
    let program = try Programs.compile("pattern_edges.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run("sh", arguments: ["-c", "trap '' TERM; exec \(program.executable) term"])
    #expect(run.result.status == 9, "\(run.result.all)")
    #expect(run.profile.totals.allocations >= 10)
  }

  @Test("a program that closes every descriptor above 2 loses no event")
  func closesEveryDescriptor() throws {
    let program = try Programs.compile("pattern_edges.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(program.executable, arguments: ["close-all"])
    #expect(run.result.status == 0, "\(run.result.all)")
    #expect(run.profile.totals.allocations == 12)
    #expect(run.profile.totals.frees == 5)
    #expect(run.profile.totals.lostEvents == 0)
    #expect(run.profile.peak.bytes == 1_000_000)
    #expect(run.profile.leakedBytes == 510_000)
    #expect(run.profile.leakedAllocations == 7)
    #expect(run.profile.sawEnd)
  }

  @Test("a bash script's children run quietly untracked, and the script's capture is whole")
  func bashScriptChildren() throws {
    let folder = try TestEnvironment.scratchFolder()
    let script = folder.appendingPathComponent("script.sh")
    try "ls / > /dev/null\nls /tmp > /dev/null\necho done\n".write(to: script, atomically: true, encoding: .utf8)
    let run = try TrackedRun.run("bash", arguments: [script.path])
    #expect(run.result.status == 0)
    #expect(run.result.standardOutput == "done\n")
    #expect(!run.result.standardError.contains("workshop tracker:"), "\(run.result.all)")
    #expect(run.profile.sawEnd)
  }

  @Test("a child handed the tracker and the capture's name explicitly recognises its parent's capture and stays quiet")
  func inheritedCaptureIsNotReclaimed() throws {
    let folder = try TestEnvironment.scratchFolder()
    let capture = folder.appendingPathComponent("capture.bin").path
    let library = TestEnvironment.trackerLibrary
    let result = try Command.run([
      TestEnvironment.workshopExecutable, "run", "-o", capture, "--", "sh", "-c",
      "LD_PRELOAD=\(library) WORKSHOP_CAPTURE=\(capture) /bin/true; echo done",
    ])
    #expect(result.status == 0)
    #expect(result.standardOutput == "done\n")
    #expect(!result.standardError.contains("workshop tracker:"), "\(result.all)")
    let profile = try MemoryProfile(contentsOf: capture)
    #expect(profile.sawEnd)
  }

  @Test("a stale file under the capture's name is still refused loudly")
  func staleFileStillRefused() throws {
    let folder = try TestEnvironment.scratchFolder()
    let capture = folder.appendingPathComponent("stale.bin")
    try Data("not a capture".utf8).write(to: capture)
    let result = try Command.run(
      ["/bin/true"], environment: ["LD_PRELOAD": TestEnvironment.trackerLibrary, "WORKSHOP_CAPTURE": capture.path])
    #expect(result.status == 0)
    #expect(result.standardError.contains("already exists"))
  }
}
