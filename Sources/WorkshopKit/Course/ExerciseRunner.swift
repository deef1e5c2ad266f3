import Foundation
import MemoryAnalysis
import MemoryTrace

#if canImport(Glibc)
  import Glibc
#endif

/// One correctness case as the check harness reported it (`checkCase` in CheckSupport.swift).
public struct CaseResult: Sendable, Equatable, Codable {
  /// The case's name.
  public var name: String
  /// Whether the actual value equalled the expected one.
  public var passed: Bool
  /// The expected value, as text.
  public var expected: String
  /// The actual value, as text.
  public var actual: String

  /// A case as given.
  public init(name: String, passed: Bool, expected: String, actual: String) {
    self.name = name
    self.passed = passed
    self.expected = expected
    self.actual = actual
  }

  enum CodingKeys: String, CodingKey {
    case name = "case"
    case passed, expected, actual
  }
}

/// What one run of an exercise's program under the tracker left.
public struct ExerciseRun: Sendable {
  /// How the program ended, and whether a bound stopped it.
  public var outcome: RunOutcome
  /// The correctness cases it reported, in order.
  public var cases: [CaseResult]
  /// What it printed (standard output and error together), at most its last 64 KiB.
  public var output: String
  /// The capture it left.
  public var capturePath: String
  /// The capture's analysis, or nil when there was no readable capture.
  public var profile: MemoryProfile?
  /// Why there is no profile, or what is wrong with it (a capture cut short).
  public var captureProblem: String?

  /// The workload's region of ``profile``, when its start marker was reached.
  public var workload: RegionPeak? {
    guard let region = profile?.region(ExerciseRunner.workloadRegion), region.started else { return nil }
    return region
  }

  /// Whether the workload ran to its end marker.
  public var workloadFinished: Bool { workload?.endedAtMarker ?? false }

  /// The workload's `measure`, when it ran.
  public func measured(_ measure: LimitMeasure) -> UInt64? {
    guard let workload else { return nil }
    switch measure {
    case .peak: return workload.peakBytes
    case .leaks: return workload.leakedBytes
    case .allocations: return workload.allocations
    case .temporary: return workload.temporaryAllocations
    }
  }
}

/// Runs a built exercise under the tracker, within the manifest's bounds, and reads what it reported.
public struct ExerciseRunner: Sendable {
  /// The workload's markers, as CheckSupport.swift places them.
  public static let workloadRegion = RegionRequest(from: "workshop-workload-start", to: "workshop-workload-end")
  /// The tracker library to preload.
  public var trackerLibrary: String

  /// A runner that preloads `trackerLibrary`.
  public init(trackerLibrary: String) {
    self.trackerLibrary = trackerLibrary
  }

  /// Runs `executable` (a build of `exercise`) under the tracker, leaving its capture at
  /// `capturePath` (an older capture there is replaced), and reads its cases and its capture.
  ///
  /// The program runs in a process group of its own, with no terminal input, within the manifest's
  /// bounds; whatever it started is ended with it. The new capture is written beside `capturePath`
  /// and renamed over it, so the two are always on one file system.
  ///
  /// - Parameter started: called once the program runs, with the live run (snapshots, cancel).
  public func run(
    _ executable: String, exercise: Exercise, capturePath: String, started: (LiveRun) -> Void = { _ in }
  ) throws -> ExerciseRun {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "workshop-check-\(getpid())-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let reportPath = scratch.appendingPathComponent("cases.jsonl").path
    let outputPath = scratch.appendingPathComponent("output.txt").path
    let destination = URL(fileURLWithPath: capturePath)
    // `.workshop/captures/` and `.workshop/`: a link there would send the capture elsewhere, silently.
    let folder = destination.deletingLastPathComponent()
    try LearnerFiles.refuseSymbolicLink(folder.deletingLastPathComponent().path)
    try LearnerFiles.refuseSymbolicLink(folder.path)
    try FileManager.default.createDirectory(
      at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
    // The tracker never overwrites: the new capture goes beside, then over the old one.
    let freshCapture = destination.deletingLastPathComponent().appendingPathComponent(
      ".\(destination.lastPathComponent).\(getpid()).\(UUID().uuidString.prefix(8))"
    ).path
    defer { unlink(freshCapture) }
    var program = TrackedProgram(arguments: [executable], capturePath: freshCapture, trackerLibrary: trackerLibrary)
    program.extraEnvironment = ["WORKSHOP_CHECK_REPORT": reportPath]
    if ProcessInfo.processInfo.environment["SWIFT_BACKTRACE"] == nil {
      // A crash's backtrace: the crashed thread only, without registers and images, so it stays short.
      program.extraEnvironment["SWIFT_BACKTRACE"] =
        "enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none"
    }
    program.standardInputPath = "/dev/null"
    program.standardOutputPath = outputPath
    program.standardErrorPath = outputPath
    program.ownProcessGroup = true
    program.bounds = RunBounds(
      seconds: exercise.manifest.timeLimitSeconds, residentBytes: exercise.manifest.memoryBoundBytes)
    let live = LiveRun(program: program, regions: [Self.workloadRegion])
    try live.start()
    started(live)
    let result = live.wait()
    let cases = Self.readCases(reportPath)
    let output = Self.readTail(outputPath, limit: 64 * 1024)

    var profile: MemoryProfile?
    var problem: String?
    if FileManager.default.fileExists(atPath: freshCapture) {
      switch result.profile {
      case .success(let read):
        profile = read
        if let readProblem = read.readProblem { problem = "\(readProblem)" }
      case .failure(let error):
        problem = "\(error)"
      }
      if rename(freshCapture, capturePath) != 0 {
        throw WorkshopError.writeFailed(path: capturePath, reason: String(cString: strerror(errno)))
      }
    } else {
      problem = "\(WorkshopError.captureMissing(path: capturePath))"
    }
    return ExerciseRun(
      outcome: result.outcome, cases: cases, output: output, capturePath: capturePath, profile: profile,
      captureProblem: problem)
  }

  /// The JSON lines of the report file; a line cut short by a crash is skipped.
  static func readCases(_ path: String) -> [CaseResult] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    let decoder = JSONDecoder()
    return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(CaseResult.self, from: $0) }
  }

  /// The last `limit` bytes of a file, as text.
  static func readTail(_ path: String, limit: Int) -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    let start = size > UInt64(limit) ? size - UInt64(limit) : 0
    try? handle.seek(toOffset: start)
    let data = (try? handle.readToEnd()) ?? Data()
    return (start > 0 ? "…\n" : "") + String(decoding: data, as: UTF8.self)
  }
}
