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

  /// A command still running at its time limit; it and its process group were killed.
  public struct TimedOut: Error, CustomStringConvertible {
    /// The command.
    public var arguments: [String]
    /// The limit it reached.
    public var seconds: Double
    /// What it had printed by then.
    public var output: String

    /// One sentence naming the command, then its output.
    public var description: String {
      "\(arguments.joined(separator: " ")) was still running after \(Int(seconds)) s and was killed with its "
        + "process group; it had printed:\n\(output)"
    }
  }

  /// Runs `arguments` (the program is looked up in PATH) and waits for it, at most `timeLimit`
  /// seconds: past that it is killed with its process group and ``TimedOut`` is thrown, so a hang
  /// fails its test instead of holding the whole run.
  ///
  /// The command starts through `/usr/bin/env`, so `environment` goes in as `NAME=value`
  /// arguments and `unsetting` as `-u NAME`: variables meant for the program itself, such as
  /// LD_PRELOAD, reach the program and not `env`. Output goes to files rather than pipes, so a
  /// chatty child never blocks, and the child gets no descriptor of ours past 2 and is reaped with
  /// `waitpid` (see ``ProcessLaunch``), so a daemon it leaves behind (tmux) cannot hold the test up.
  public static func run(
    _ arguments: [String], environment: [String: String] = [:], unsetting: [String] = [],
    currentDirectory: URL? = nil, standardInput: String? = nil, timeLimit seconds: Double = 180
  ) throws -> Result {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-command-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outputURL = scratch.appendingPathComponent("stdout")
    let errorURL = scratch.appendingPathComponent("stderr")
    let inputURL = scratch.appendingPathComponent("stdin")
    _ = FileManager.default.createFile(atPath: inputURL.path, contents: Data((standardInput ?? "").utf8))
    var launch = ProcessLaunch(
      arguments: ["/usr/bin/env"] + unsetting.flatMap { ["-u", $0] }
        + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + arguments,
      environment: ProcessInfo.processInfo.environment, directory: currentDirectory?.path,
      standardInputPath: inputURL.path, standardOutputPath: outputURL.path, standardErrorPath: errorURL.path)
    launch.ownProcessGroup = true
    let start = Date()
    let pid = try launch.spawn()
    guard let waitStatus = try ProcessLaunch.waitStatus(of: pid, seconds: seconds) else {
      ProcessLaunch.killGroup(of: pid)
      let output = String(decoding: (try? Data(contentsOf: outputURL)) ?? Data(), as: UTF8.self)
      let errors = String(decoding: (try? Data(contentsOf: errorURL)) ?? Data(), as: UTF8.self)
      throw TimedOut(arguments: arguments, seconds: seconds, output: output + errors)
    }
    let seconds = Date().timeIntervalSince(start)
    let status = ExitStatus(waitStatus: waitStatus)
    var signal: Int32? = nil
    if case .signaled(let number) = status { signal = number }
    return Result(
      status: status.shellCode, signal: signal,
      standardOutput: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
      standardError: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self), seconds: seconds)
  }

  /// ``run(_:environment:unsetting:currentDirectory:standardInput:timeLimit:)`` on a thread of
  /// its own, awaited without holding a thread of the test pool: for the commands that take
  /// seconds (a browser session, a tracked program), so the other tests keep running meanwhile.
  public static func runOffPool(
    _ arguments: [String], environment: [String: String] = [:], unsetting: [String] = [],
    currentDirectory: URL? = nil, standardInput: String? = nil, timeLimit seconds: Double = 180
  ) async throws -> Result {
    try await withOwnThread {
      try run(
        arguments, environment: environment, unsetting: unsetting, currentDirectory: currentDirectory,
        standardInput: standardInput, timeLimit: seconds)
    }
  }
}
