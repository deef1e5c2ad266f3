import Foundation
import MemoryAnalysis
import Testing
import WorkshopTestSupport

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
    #expect(!run.result.standardOutput.contains("LD_PRELOAD="))
    #expect(!run.result.standardOutput.contains("WORKSHOP_CAPTURE="))
  }

  @Test("--follow-fork tracks exec()ed children into their own captures")
  func followExec() throws {
    let run = try TrackedRun.run("sh", arguments: ["-c", "ls / > /dev/null"], followFork: true)
    #expect(run.result.status == 0)
    let folder = URL(fileURLWithPath: run.capturePath).deletingLastPathComponent()
    let children = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
      $0.hasPrefix("capture.") && $0 != "capture.bin"
    }
    try #require(children.count == 1)
    let child = try MemoryProfile(contentsOf: folder.appendingPathComponent(children[0]).path)
    #expect(child.command?.executable.hasSuffix("/ls") == true)
    #expect(child.totals.allocations > 0)
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
