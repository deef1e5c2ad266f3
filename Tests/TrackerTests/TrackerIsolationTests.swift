import Foundation
import MemoryAnalysis
import Testing
import WorkshopTestSupport
import MemoryTrace

/// The tracker measures a program without changing it: it allocates nothing through the hooked
/// allocator, links no Swift or C++ runtime, and does not leak into the program's children.
@Suite("Tracker isolation")
struct TrackerIsolationTests {
  @Test("the preload library links neither the Swift runtime nor libstdc++, nor libunwind")
  func linkedLibraries() throws {
    let result = try Command.run(["ldd", TestEnvironment.trackerLibrary])
    #expect(result.status == 0)
    #expect(!result.standardOutput.contains("libswift"))
    #expect(!result.standardOutput.contains("libstdc++"))
    #expect(!result.standardOutput.contains("libunwind"), "libunwind is dlopen()ed RTLD_LOCAL, never linked")
  }

  @Test("/bin/true under the tracker records no allocation at all")
  func trueRecordsNothing() throws {
    let run = try TrackedRun.run("/bin/true")
    #expect(run.result.status == 0)
    #expect(run.profile.totals.allocations == 0)
    #expect(run.profile.sawEnd)
  }

  @Test("no recorded frame of ls lies in the tracker or in libunwind")
  func lsHasNoTrackerFrames() throws {
    let run = try TrackedRun.run("ls", arguments: ["-la", "/usr/lib"])
    #expect(run.result.status == 0)
    #expect(run.profile.totals.allocations > 50)
    let modules = Set(
      run.profile.allocatedByStack.flatMap { run.profile.stack($0.stack) }.compactMap(\.modulePath))
    #expect(!modules.contains { $0.hasSuffix("libworkshop_tracker.so") })
    #expect(!modules.contains { $0.contains("libunwind") })
    #expect(modules.contains { $0.hasSuffix("/ls") })
  }

  @Test("a program's children see no trace of the tracker unless asked")
  func environmentIsCleaned() throws {
    let run = try TrackedRun.run("sh", arguments: ["-c", "env"])
    for variable in ["LD_PRELOAD", "WORKSHOP_CAPTURE", "WORKSHOP_FOLLOW_FORK", "WORKSHOP_CAPTURE_STEM"] {
      #expect(!run.result.standardOutput.contains("\n\(variable)="), "\(variable) reached the child")
      #expect(!run.result.standardOutput.hasPrefix("\(variable)="), "\(variable) reached the child")
    }
  }

  @Test("--follow-fork tracks fork()ed and exec()ed children, each into its own capture, listed and compressed")
  func followExec() throws {
    let folder = try TestEnvironment.scratchFolder()
    let capture = folder.appendingPathComponent("capture.bin").path
    // A child capture left by an earlier run under the same name must not be taken for this run's.
    let stale = folder.appendingPathComponent("capture.1.bin")
    try Data("stale".utf8).write(to: stale)
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: stale.path)
    // bash forks, then each child execs ls: the forked child takes capture.PID.bin, the exec()ed
    // ls finds that name taken and writes capture.PID-1.bin.
    let result = try Command.run(
      [
        TestEnvironment.workshopExecutable, "run", "-o", capture, "--follow-fork", "--", "bash", "-c",
        "ls / > /dev/null; ls /tmp > /dev/null",
      ])
    #expect(result.status == 0, "\(result.standardError)")
    let listed = result.standardError.split(separator: "\n").filter { $0.contains("child ") }.map {
      String($0.split(separator: " ").last ?? "")
    }
    #expect(!listed.contains(stale.path))
    var lsCaptures = 0
    for path in listed {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
      #expect(Array(bytes.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD], "\(path) is compressed like the parent's")
      let child = try MemoryProfile(contentsOf: path)
      #expect(child.header?.flags.contains(.followedChild) == true)
      if child.command?.executable.hasSuffix("/ls") == true {
        lsCaptures += 1
        #expect(child.totals.allocations > 0)
      }
    }
    #expect(lsCaptures == 2, "both ls runs are listed: \(listed)")
  }

  @Test("a C++ program that throws and catches behaves as it does untracked (libunwind stays private)")
  func exceptionsStillUnwind() throws {
    let folder = try TestEnvironment.scratchFolder()
    let cxx = folder.appendingPathComponent("throws.cpp")
    try """
    #include <cstdio>
    #include <stdexcept>
    #include <string>
    int main() {
      int caught = 0;
      for (int i = 0; i < 200; i++) {
        try { throw std::runtime_error("failure " + std::to_string(i)); }
        catch (const std::exception &error) { caught++; }
      }
      std::printf("caught %d\\n", caught);
      return caught == 200 ? 0 : 1;
    }
    """.write(to: cxx, atomically: true, encoding: .utf8)
    let binary = folder.appendingPathComponent("throws").path
    let compiled = try Command.run(["g++", "-O1", "-g", cxx.path, "-o", binary])
    try #require(compiled.status == 0, "\(compiled.standardError)")
    let run = try TrackedRun.run(binary)
    #expect(run.result.status == 0)
    #expect(run.result.standardOutput == "caught 200\n")
    #expect(run.profile.totals.allocations >= 200, "each exception object is allocated")
  }
}
