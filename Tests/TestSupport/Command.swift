import Foundation
import ProcessLaunch

/// Runs a command to completion and collects what it printed.
public enum Command {
  /// How a command ended and what it printed.
  public struct Result: Sendable {
    /// The exit status, or 128 + the signal that ended it.
    public var status: Int32
    /// The signal that ended it, if one did.
    public var signal: Int32?
    /// Standard output.
    public var standardOutput: String
    /// Standard error.
    public var standardError: String
    /// Seconds from start to end.
    public var seconds: Double

    /// Both streams, for failure messages.
    public var all: String { "--- stdout\n\(standardOutput)--- stderr\n\(standardError)" }
  }

  /// Runs `arguments` (the program is looked up in PATH) and waits for it.
  ///
  /// The command starts through `/usr/bin/env`, so `environment` goes in as `NAME=value`
  /// arguments and `unsetting` as `-u NAME`: variables meant for the program itself, such as
  /// LD_PRELOAD, reach the program and not `env`. Output goes to files rather than pipes, so a
  /// chatty child never blocks, and the child gets no descriptor of ours past 2 and is reaped with
  /// `waitpid` (see ``ProcessLaunch``), so a daemon it leaves behind (tmux) cannot hold the test up.
  public static func run(
    _ arguments: [String], environment: [String: String] = [:], unsetting: [String] = [],
    currentDirectory: URL? = nil, standardInput: String? = nil
  ) throws -> Result {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-command-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outputURL = scratch.appendingPathComponent("stdout")
    let errorURL = scratch.appendingPathComponent("stderr")
    let inputURL = scratch.appendingPathComponent("stdin")
    _ = FileManager.default.createFile(atPath: inputURL.path, contents: Data((standardInput ?? "").utf8))
    let launch = ProcessLaunch(
      arguments: ["/usr/bin/env"] + unsetting.flatMap { ["-u", $0] }
        + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + arguments,
      environment: ProcessInfo.processInfo.environment, directory: currentDirectory?.path,
      standardInputPath: inputURL.path, standardOutputPath: outputURL.path, standardErrorPath: errorURL.path)
    let start = Date()
    let waitStatus = ProcessLaunch.waitStatus(of: try launch.spawn())
    let seconds = Date().timeIntervalSince(start)
    let signal = waitStatus & 0x7f
    return Result(
      status: signal != 0 ? 128 + signal : (waitStatus >> 8) & 0xff, signal: signal != 0 ? signal : nil,
      standardOutput: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
      standardError: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self), seconds: seconds)
  }
}
