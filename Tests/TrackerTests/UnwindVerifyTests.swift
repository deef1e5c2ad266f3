import Foundation
import Testing
import WorkshopTestSupport

/// The tracker's frame-pointer walk (Sources/Tracker/unwind.c) is used only for frames whose
/// unwind tables prove that following rbp is what libunwind would do, with the rest of the stack
/// from a cache checked byte for byte. In verify mode every walked stack is compared with
/// libunwind's and any difference aborts the program with both stacks printed, so these runs fail
/// loudly if the walk ever gives another stack than libunwind.
@Suite("Frame-pointer walk against libunwind", .timeLimit(.minutes(10)))
struct UnwindVerifyTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let source: String
    let flags: [String]
    let arguments: [String]
    /// Whether the program keeps frame pointers up to its caller of malloc, so stacks must be walked.
    let walks: Bool
    var testDescription: String { "\(source) \(flags.joined(separator: " "))" }
  }

  static let cases: [Case] = [
    Case(source: "pattern_basic.c", flags: ["-fno-builtin"], arguments: [], walks: true),
    Case(source: "pattern_deep.c", flags: ["-O2", "-fno-builtin"], arguments: [], walks: true),
    Case(source: "pattern_threads.c", flags: ["-fno-builtin"], arguments: [], walks: true),
    Case(source: "pattern_marker.c", flags: ["-fno-builtin"], arguments: [], walks: true),
    Case(source: "pattern_fork.c", flags: ["-fno-builtin"], arguments: [], walks: true),
    Case(source: "pattern_fork_threads.c", flags: ["-fno-builtin"], arguments: [], walks: true),
    Case(source: "pattern_edges.c", flags: ["-fno-builtin"], arguments: ["handler"], walks: true),
    Case(source: "stack_cache_alloca.c", flags: ["-O2", "-fno-builtin"], arguments: [], walks: true),
    Case(source: "stack_cache_alloca.c", flags: ["-O0", "-fno-builtin"], arguments: [], walks: true),
    Case(
      source: "stack_cache_alloca.c", flags: ["-O2", "-fomit-frame-pointer", "-fno-builtin"], arguments: [],
      walks: false),
    Case(source: "stack_cache_exceptions.cpp", flags: ["-O2"], arguments: [], walks: false),
    Case(source: "stack_cache_exceptions.cpp", flags: ["-O0", "-fno-omit-frame-pointer"], arguments: [], walks: false),
    Case(source: "early_cpp.cpp", flags: [], arguments: [], walks: false),
    Case(source: "stack_cache_swift.swift", flags: [], arguments: [], walks: false),
    Case(source: "pattern_swift.swift", flags: ["-O"], arguments: [], walks: false),
    Case(source: "alloc_churn.c", flags: [], arguments: [], walks: true),
    Case(source: "tree_build.c", flags: [], arguments: [], walks: true),
    Case(source: "tree_recursive.c", flags: [], arguments: ["14"], walks: true),
    Case(source: "ls", flags: [], arguments: ["-laR", "/usr/lib/x86_64-linux-gnu/gconv"], walks: false),
  ]

  @Test("every walked stack equals libunwind's", arguments: cases)
  func walkedStacksAreExact(testCase: Case) throws {
    let executable: String
    switch testCase.source {
    case "ls":
      executable = "/bin/ls"
    case "alloc_churn.c", "tree_build.c":
      executable = try Programs.compileBenchmark(testCase.source).executable
    case "tree_recursive.c":
      executable = try TestProgram.compile(
        TestEnvironment.repositoryRoot.appendingPathComponent("Benchmarks/workloads/tree_recursive.c"),
        extraFlags: ["-O2"]
      ).executable
    default:
      executable = try Programs.compile(testCase.source, extraFlags: testCase.flags).executable
    }
    let folder = try TestEnvironment.scratchFolder("unwind-\(testCase.source)-\(testCase.flags.joined())")
    let result = try Command.run(
      [
        "LD_PRELOAD=\(TestEnvironment.trackerLibrary)",
        "WORKSHOP_CAPTURE=\(folder.appendingPathComponent("c.bin").path)", "WORKSHOP_TRACKER_VERIFY_UNWIND=1",
        executable,
      ] + testCase.arguments)
    #expect(!result.standardError.contains("VERIFY FAILED"), "\(result.standardError)")
    #expect(result.standardError.contains("all identical"), "\(result.standardError)")
    // libunwind's own sigprocmask calls are skipped (unwind.c): the stacks above are its answers
    // all the same.
    #expect(result.standardError.contains("libunwind's signal masking skipped"), "\(result.standardError)")
    let walked = result.standardError.firstMatch(of: /(\d+) stacks walked/).flatMap { Int($0.1) } ?? 0
    if testCase.walks {
      #expect(walked > 0, "frame pointers kept, so stacks are walked: \(result.standardError)")
    }
  }

  @Test("WORKSHOP_TRACKER_LIBUNWIND_MASKING=1 keeps libunwind's signal masking, with the same figures")
  func maskingKeptOnRequest() throws {
    let executable = try Programs.compile("pattern_deep.c", extraFlags: ["-O2", "-fno-builtin"]).executable
    var figures: [[Substring]] = []
    for masking in ["1", "0"] {
      let capture = try TestEnvironment.scratchFolder("masking-\(masking)").appendingPathComponent("c.bin").path
      let result = try Command.run([
        "LD_PRELOAD=\(TestEnvironment.trackerLibrary)", "WORKSHOP_CAPTURE=\(capture)",
        "WORKSHOP_TRACKER_VERIFY_UNWIND=1", "WORKSHOP_TRACKER_LIBUNWIND_MASKING=\(masking)", executable,
      ])
      #expect(result.status == 0)
      let expected = masking == "1" ? "kept" : "skipped"
      #expect(result.standardError.contains("libunwind's signal masking \(expected)"), "\(result.standardError)")
      let stats = try Command.run([TestEnvironment.workshopExecutable, "stats", capture])
      figures.append(
        stats.standardOutput.split(separator: "\n").filter {
          $0.hasPrefix("peak heap") || $0.hasPrefix("leaked") || $0.hasPrefix("allocations")
        })
    }
    #expect(figures[0].count == 3)
    #expect(figures[0] == figures[1])
  }

  @Test("a program that links libunwind itself keeps its signal masking (it shares the tracker's copy)")
  func maskingKeptForTheProgramsOwnLibunwind() throws {
    let executable = try Programs.compile(
      "pattern_basic.c", extraFlags: ["-fno-builtin", "-Wl,--no-as-needed", "-lunwind"]
    ).executable
    let capture = try TestEnvironment.scratchFolder("own-libunwind").appendingPathComponent("c.bin").path
    let result = try Command.run([
      "LD_PRELOAD=\(TestEnvironment.trackerLibrary)", "WORKSHOP_CAPTURE=\(capture)",
      "WORKSHOP_TRACKER_VERIFY_UNWIND=1", executable,
    ])
    #expect(result.status == 0)
    #expect(result.standardError.contains("libunwind's signal masking kept"), "\(result.standardError)")
    #expect(result.standardError.contains("all identical"), "\(result.standardError)")
  }
}
