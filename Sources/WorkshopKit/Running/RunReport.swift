import Foundation
import MemoryAnalysis
import ProcessLaunch
import Rendering
import MemoryTrace

/// What `workshop run` says on standard error once the program has ended.
public struct RunReport {
  /// The program as the user named it.
  public var program: String
  /// How it ended.
  public var status: ExitStatus
  /// The capture the tracker wrote.
  public var capturePath: String
  /// The captures of followed children.
  public var childCaptures: [String]
  /// The capture's analysis, or why there is none.
  public var profile: Result<MemoryProfile, Error>
  /// Problems met after the run (a capture that could not be compressed), one sentence each.
  public var problems: [String] = []

  /// The report of a finished run; `childCaptures` are those its followed children wrote, and
  /// `profile` is the capture's analysis (``CaptureFollower/finish()`` makes it).
  public init(
    program: String, status: ExitStatus, capturePath: String, childCaptures: [String] = [],
    profile: Result<MemoryProfile, Error>
  ) {
    self.program = program
    self.status = status
    self.capturePath = capturePath
    self.childCaptures = childCaptures
    self.profile = profile
  }

  /// The summary as text, one fact a line.
  public func render() -> String {
    var lines = ["workshop: \(program) \(status)"]
    lines += problems.map { "  \($0)" }
    switch profile {
    case .failure(let error):
      lines.append("  \(error)")
      return lines.joined(separator: "\n") + "\n"
    case .success(let profile):
      if let problem = profile.readProblem { lines.append("  \(problem)") }
      if profile.totals.lostEvents > 0 {
        lines.append("  " + IncompleteCapture.sentence(lostEvents: profile.totals.lostEvents, capturePath: capturePath))
      }
      if !profile.execs.isEmpty {
        // The same process ran these programs in turn: "env → /usr/bin/true".
        let programs = [program] + profile.execs.map { $0.command.executable.isEmpty ? "?" : $0.command.executable }
        lines.append("  exec         " + programs.joined(separator: " → "))
      }
      lines.append(
        "  peak heap    \(ByteCountText.describe(profile.peak.bytes)) at \(ByteCountText.duration(milliseconds: profile.peak.milliseconds))"
      )
      lines.append(
        "  leaked       \(ByteCountText.describe(profile.leakedBytes)) in "
          + ByteCountText.counted(profile.leakedAllocations, "allocation")
      )
      lines.append(
        "  allocations  \(ByteCountText.grouped(profile.totals.allocations)) "
          + "(\(ByteCountText.describe(profile.totals.bytesAllocated)) in all) in "
          + "\(ByteCountText.duration(milliseconds: profile.totals.durationMilliseconds))")
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: capturePath)[.size] as? UInt64) ?? nil
    lines.append("  capture      \(capturePath)" + (size.map { " (\(ByteCountText.describe($0)))" } ?? ""))
    for child in childCaptures { lines.append("  child        \(child)") }
    lines.append("look further:")
    let capture = TerminalText.shellQuoted(capturePath)
    lines.append("  workshop stats \(capture)")
    lines.append("  workshop flamegraph \(capture)")
    lines.append("  workshop summary \(capture)")
    return lines.joined(separator: "\n") + "\n"
  }

}
