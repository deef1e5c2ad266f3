import Foundation

/// What `workshop run` says on standard error once the program has ended.
public struct RunReport {
  /// The program as the user named it.
  public var program: String
  /// How it ended.
  public var status: ExitStatus
  /// The capture the tracker wrote.
  public var capturePath: String

  /// Describes a finished run.
  public init(program: String, status: ExitStatus, capturePath: String) {
    self.program = program
    self.status = status
    self.capturePath = capturePath
  }

  /// The summary as text, one fact a line.
  public func render() -> String {
    var lines = ["workshop: \(program) \(status)"]
    if FileManager.default.fileExists(atPath: capturePath) {
      lines.append("  capture      \(capturePath)")
      lines.append("look further:")
      lines.append("  workshop stats \(capturePath)")
    } else {
      lines.append("  \(WorkshopError.captureMissing(path: capturePath))")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
