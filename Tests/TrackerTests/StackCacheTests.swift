import Foundation
import Testing
import WorkshopTestSupport

/// The tracker's stack cache (Sources/Tracker/stackcache.c) skips unwinding when a stack is the
/// same as before. In verify mode every hit is compared with a full unwind and any difference
/// aborts the program, so these runs fail loudly if the cache ever returns a wrong stack.
@Suite("Stack cache exactness")
struct StackCacheTests {
  static let programs: [(source: String, flags: [String])] = [
    ("stack_cache_alloca.c", ["-O2", "-fno-builtin"]),
    ("stack_cache_alloca.c", ["-O0", "-fno-builtin"]),
    ("stack_cache_alloca.c", ["-O2", "-fomit-frame-pointer", "-fno-builtin"]),
    ("stack_cache_swift.swift", []),
    ("alloc_churn", []),
  ]

  @Test("every cache hit equals a full unwind", arguments: 0..<programs.count)
  func hitsAreExact(index: Int) throws {
    let (source, flags) = Self.programs[index]
    let executable: String
    if source == "alloc_churn" {
      executable = try Programs.compileBenchmark("alloc_churn.c").executable
    } else {
      executable = try Programs.compile(source, extraFlags: flags).executable
    }
    let folder = try TestEnvironment.scratchFolder("cache\(index)")
    // Given to `env` as arguments: the tracker must load into the program, not into `env`.
    let result = try Command.run([
      "LD_PRELOAD=\(TestEnvironment.trackerLibrary)",
      "WORKSHOP_CAPTURE=\(folder.appendingPathComponent("c.bin").path)",
      "WORKSHOP_TRACKER_VERIFY_STACK_CACHE=1", "WORKSHOP_TRACKER_STACK_CACHE_STATS=1", executable,
    ])
    #expect(result.status == 0, "\(result.standardError)")
    #expect(result.standardError.contains("all identical"))
    let hits = result.standardError.firstMatch(of: /(\d+) hits/).flatMap { Int($0.1) } ?? 0
    #expect(hits > 0, "the run exercised the cache: \(result.standardError)")
  }
}
