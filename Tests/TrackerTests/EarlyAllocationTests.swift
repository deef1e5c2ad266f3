import Foundation
import MemoryAnalysis
import Testing
import WorkshopTestSupport

/// The tracker records from the program's first allocation: libraries whose constructors run
/// before the tracker's (libstdc++, the Swift runtime) allocate there, and those blocks are the
/// program's. The tracker starts inside the first hook call instead of waiting for its constructor.
@Suite("Allocations before the tracker's constructor", .timeLimit(.minutes(5)))
struct EarlyAllocationTests {
  @Test("a library constructor's allocations are recorded exactly")
  func libraryConstructor() throws {
    let folder = try TestEnvironment.scratchFolder()
    let library = folder.appendingPathComponent("libearly.so").path
    let compiled = try Command.run([
      "cc", "-shared", "-fPIC", "-O1", "-g", "-fno-builtin",
      Programs.folder.appendingPathComponent("early_library.c").path, "-o", library,
    ])
    try #require(compiled.status == 0, "\(compiled.standardError)")
    let program = try Programs.compile(
      "early_program.c", extraFlags: ["-fno-builtin", "-L", folder.path, "-learly", "-Wl,-rpath,\(folder.path)"])
    let run = try TrackedRun.run(program.executable)
    #expect(run.result.status == 0, "\(run.result.all)")
    let profile = run.profile
    #expect(profile.totals.allocations == 3)
    #expect(profile.totals.frees == 2)
    #expect(profile.peak.bytes == 14_345)
    #expect(profile.leakedBytes == 12_345)
    #expect(profile.leakedAllocations == 1)
    // The early blocks have their stacks: the library's constructor called malloc.
    let early = profile.leaks.first
    #expect(early.map { run.stack($0.stack, allocatesDirectlyFrom: library) } == true)
  }

  @Test("a C++ program's peak and allocation count equal massif's, the runtime's start-up included")
  func cplusplusAgainstMassif() throws {
    guard let valgrind = Self.onPath("valgrind") else {
      // Benchmarks/tracker.sh installs valgrind; without it there is nothing to compare with.
      Issue.record("valgrind is not installed: apt-get install valgrind")
      return
    }
    let program = try Programs.compile("early_cpp.cpp")
    let run = try TrackedRun.run(program.executable)
    #expect(run.result.status == 0, "\(run.result.all)")
    let folder = try TestEnvironment.scratchFolder()
    let massifOut = folder.appendingPathComponent("massif.out").path
    let massif = try Command.run([
      valgrind, "--tool=massif", "--peak-inaccuracy=0", "--detailed-freq=1", "--threshold=100",
      "--massif-out-file=\(massifOut)", program.executable,
    ])
    #expect(massif.status == 0, "\(massif.standardError)")
    let text = try String(contentsOfFile: massifOut, encoding: .utf8)
    let heapSizes = text.split(separator: "\n").compactMap { line -> UInt64? in
      line.hasPrefix("mem_heap_B=") ? UInt64(line.dropFirst("mem_heap_B=".count)) : nil
    }
    let massifPeak = try #require(heapSizes.max())
    #expect(run.profile.peak.bytes == massifPeak)
    // The emergency pool (72,704 B with GCC 12's libstdc++) is the start-up allocation.
    #expect(run.profile.peak.bytes > 72_704 + 40_000 + 3_000)
  }

  /// The executable `name` found in PATH, or nil.
  static func onPath(_ name: String) -> String? {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }
}
