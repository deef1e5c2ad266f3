import Foundation
import Testing
import WorkshopTestSupport

/// End to end: real programs run under the real tracker, then `workshop flamegraph` on the capture.
/// Needs the products Scripts/bootstrap.sh builds (workshop, libworkshop_tracker.so).
@Suite struct ReportTests {
  static let programs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs")

  /// Compiles a program, runs it under the tracker and returns `workshop flamegraph CAPTURE ARGS`.
  func flamegraph(_ program: String, _ arguments: [String]) throws -> String {
    try flamegraphs(program, [arguments])[0]
  }

  /// Like ``flamegraph(_:_:)``, several reports of one capture.
  func flamegraphs(_ program: String, _ reports: [[String]]) throws -> [String] {
    let source = Self.programs.appendingPathComponent(program)
    let flags = source.pathExtension == "c" ? ["-O2"] : []
    let executable = try TestProgram.compile(source, extraFlags: flags).executable
    let run = try TrackedRun.run(executable, name: "report\(program)")
    #expect(run.result.status == 0)
    return try reports.map { arguments in
      let result = try Command.run([TestEnvironment.workshopExecutable, "flamegraph", run.capturePath] + arguments)
      #expect(result.status == 0, "\(result.standardError)")
      return result.standardOutput
    }
  }

  /// The labels of the widest path: the first box of each row (children are largest first).
  func widestPath(_ icicle: String) -> [String] {
    icicle.split(separator: "\n").prefix { $0.hasPrefix("[") }.map { line in
      let box = line.dropFirst().prefix { $0 != "]" }
      return String(box).trimmingCharacters(in: .whitespaces)
    }
  }

  @Test func swiftPeakNamesTheFunctionsWithFileAndLine() throws {
    let icicle = try flamegraph("Growth.swift", ["--width", "300"])
    let path = widestPath(icicle).map {
      $0.replacingOccurrences(of: #" [0-9.]+ [KM]iB$"#, with: "", options: .regularExpression)
    }
    #expect(
      Array(path.dropFirst().prefix(3)) == [
        "main (Growth.swift:15)", "build() (Growth.swift:12)", "fill(_:) (Growth.swift:6)",
      ])
    #expect(path.last?.hasPrefix("specialized Array.append(_:)") == true, "\(path)")
    #expect(!icicle.contains("swift_allocObject"))
    let native = try flamegraph("Growth.swift", ["--width", "300", "--native"])
    let nativePath = widestPath(native)
    #expect(nativePath.contains { $0.hasPrefix("fill(_:) (Growth.swift:6)") })
    #expect(nativePath.contains { $0.hasPrefix("swift_allocObject") })
    #expect(nativePath.contains { $0.hasPrefix("swift_slowAlloc") })
    let fill = try #require(nativePath.firstIndex { $0.hasPrefix("fill(_:)") })
    let runtime = try #require(nativePath.firstIndex { $0.hasPrefix("swift_allocObject") })
    #expect(fill < runtime)
  }

  @Test func cPeakExpandsInlinedFunctions() throws {
    let icicle = try flamegraph("inlined_peak.c", ["--width", "200"])
    let path = widestPath(icicle).map {
      $0.replacingOccurrences(of: #" [0-9.]+ [KM]iB$"#, with: "", options: .regularExpression)
    }
    #expect(
      Array(path.dropFirst()) == [
        "main (inlined_peak.c:16)", "outer (inlined_peak.c:10)", "middle (inlined_peak.c:8)", "grow (inlined_peak.c:7)",
      ])
    #expect(icicle.contains("peak memory: 2.0 MiB in 1 allocation"))
  }

  @Test func foldedCountsAddUpToThePeakAndTheLeaks() throws {
    let reports = try flamegraphs(
      "Growth.swift",
      [
        ["--format", "folded"], ["--format", "folded", "--native"], ["--format", "folded", "--inverted"],
        ["--format", "folded", "--leaks"], ["--format", "folded", "--leaks", "--native"],
      ])
    let sums = reports.map {
      $0.split(separator: "\n").reduce(UInt64(0)) { $0 + UInt64($1.split(separator: " ").last!)! }
    }
    // Hiding frames or inverting moves bytes between frames, never loses or adds any.
    #expect(sums[0] == sums[1] && sums[1] == sums[2], "\(sums)")
    #expect(sums[3] == sums[4], "\(sums)")
    // 200 000 Ints appended: the peak holds the final buffer and the one it grew from.
    #expect(sums[0] > 200_000 * 8 && sums[0] < 200_000 * 8 * 3, "\(sums)")
    #expect(sums[3] >= 200_000 * 8, "the global array is still alive at exit: \(sums)")
  }
}
