import ArgumentParser
import Foundation
import MemoryAnalysis
import MemoryTrace
import ProcessLaunch
import ProfileUI
import Synchronization
import TerminalUI
import WorkshopKit

/// `workshop run`: runs a program under the tracker and prints what its memory did.
struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    // Named here, not derived from the type: ArgumentParser derives it with String(describing:), a
    // scan of every protocol conformance in the process (14 % of `workshop run -- true`).
    commandName: "run",
    abstract: "Run a program under the memory tracker.",
    discussion: """
      The program's standard input, output and error pass straight through, and workshop exits \
      with the program's status (128 + the signal number when a signal ended it). A summary of \
      its memory follows on standard error.

      With --live, a full screen shows the run as it goes: the chart of the heap and the resident \
      size, the heap, the peak, the allocation rate and the top locations of what is alive (t, o, a \
      sort by total, own, allocations; space pauses the view). The program's output goes to a file \
      named on the screen, its input is /dev/null. When it ends, the explorer of its capture opens \
      (as workshop view); q leaves and prints the summary. q while it runs detaches: the screen \
      closes, the program goes on, and the summary follows when it ends. Ctrl-C stops the program; \
      the capture is kept and the summary printed.
      """
  )

  /// Seconds a program has to end after a SIGTERM or SIGHUP passed on to it, before SIGKILL.
  static let terminationGraceSeconds = 5.0

  @Option(name: [.short, .long], help: "Where to write the capture (default: workshop-PROGRAM.PID.bin here).")
  var output: String?

  @Flag(help: "Track the program's children too (fork and exec), each into its own capture.")
  var followFork = false

  @Flag(help: "Leave the capture uncompressed (by default it is compressed with zstd as it is written).")
  var noCompress = false

  @Flag(help: "Show the run live on a full screen, then explore its capture (see above).")
  var live = false

  @Argument(parsing: .captureForPassthrough, help: "The program and its arguments, after --.")
  var command: [String] = []

  mutating func validate() throws {
    // `workshop run --help` asks for this help; `workshop run -- --help` runs a program so named.
    if command.first == "--help" || command.first == "-h" { throw CleanExit.helpRequest(self) }
    if command.first == "--" { command.removeFirst() }
    guard !command.isEmpty else {
      throw ValidationError("name the program to run after --, for example: workshop run -- ./my-program")
    }
    if let output, FileManager.default.fileExists(atPath: output) {
      throw ValidationError("\(output) already exists: choose another name with --output or remove the file first")
    }
    // Refused before the program starts: a capture that cannot be written would run it untracked.
    if let output {
      guard !output.isEmpty else { throw ValidationError("--output is empty: name the capture file to write") }
      let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
      var status = stat()
      guard stat(folder, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
        throw ValidationError("cannot write \(output): there is no folder \(folder)")
      }
      guard access(folder, W_OK) == 0 else {
        throw ValidationError(
          "cannot write \(output): the folder \(folder) is not writable (\(String(cString: strerror(errno))))")
      }
    }
  }

  func run() throws {
    let capturePath = output ?? CaptureNaming.defaultPath(for: command[0])
    let program = TrackedProgram(
      arguments: command, capturePath: capturePath, followFork: followFork,
      trackerLibrary: try TrackerLibrary.locate())
    // Children's captures are the ones written during this run (a second of slack for the file
    // system's coarse clock), never an earlier run's with the same name.
    let started = Date().addingTimeInterval(-1)
    if live { return try runLive(program, started: started) }
    // The program shares our terminal and process group: Ctrl-C and Ctrl-\ reach it, and we stay
    // to report how it ended (as `time` and shells do).
    let interrupts = Interrupts([SIGINT, SIGQUIT])
    defer { interrupts.restore() }
    // Only the summary is printed: the follower works out nothing per stack.
    let live = LiveRun(program: program, compress: !noCompress, detail: .headline)
    // SIGTERM and SIGHUP are sent to us alone (a service manager, a closed terminal): passed on to
    // the program, which gets a few seconds to end before it is killed; the capture is finished
    // either way, and we exit as the signal would have ended us.
    let received = Mutex<Int32?>(nil)
    let terminations = Interrupts([SIGTERM, SIGHUP]) { number in
      let first = received.withLock { received -> Bool in
        defer { if received == nil { received = number } }
        return received == nil
      }
      live.forward(number)
      guard first else { return }
      DispatchQueue.global().asyncAfter(deadline: .now() + Self.terminationGraceSeconds) { live.cancel() }
    }
    defer { terminations.restore() }
    try live.start()
    let result = live.wait()
    let status = summarize(result, capturePath: capturePath, started: started)
    if let signal = received.withLock({ $0 }) { throw ExitCode(128 + signal) }
    throw ExitCode(status)
  }

  /// `--live`: the program in a process group of its own, its output into a file, the screen
  /// showing it; then the summary as without --live.
  private func runLive(_ program: TrackedProgram, started: Date) throws {
    let environment = ProcessInfo.processInfo.environment
    let term = environment["TERM"] ?? ""
    if let problem = Terminal.fullScreenProblem(term: term) {
      say("\(ProfileUIError(problem, command: "workshop run --live")); without --live the program shares the terminal")
      throw ExitCode(2)
    }
    var program = program
    let outputPath = Self.outputPath(for: program.capturePath)
    program.standardInputPath = "/dev/null"
    program.standardOutputPath = outputPath
    program.standardErrorPath = outputPath
    // Its own group: the screen's Ctrl-C is ours, and stopping it stops what it started.
    program.ownProcessGroup = true
    let live = LiveRun(program: program, compress: !noCompress, aliveStacksInterval: 0.25)
    try live.start()
    let name = URL(fileURLWithPath: command[0]).lastPathComponent
    let shown = ([name] + command.dropFirst()).joined(separator: " ")
    let app = ProfileApp(capabilities: Terminal.standardOutput(environment: environment), term: term)
    let ending: ProfileApp.Ending
    do {
      ending = try app.live(
        live, heading: "workshop run --live: \(shown) · its output: \(outputPath)",
        rootLabel: name
      ) { result in
        "\(name) \(result.outcome.status) · q leaves · capture \(program.capturePath) · its output: \(outputPath)"
      }
    } catch {
      live.cancel()
      _ = live.wait()
      throw error
    }
    switch ending {
    case .left:
      break
    case .detached:
      say(
        "workshop: \(command[0]) goes on; its output goes to \(outputPath). The summary follows when it ends (Ctrl-C stops it)."
      )
      let interrupts = Interrupts([SIGINT, SIGTERM, SIGHUP]) { _ in live.cancel() }
      defer { interrupts.restore() }
      _ = live.wait()
    case .signal, .terminalGone:
      live.cancel()
    }
    let result = live.wait()
    say("workshop: the program's output is in \(outputPath)")
    let status = summarize(result, capturePath: program.capturePath, started: started)
    if case .signal(let number) = ending { throw ExitCode(128 + number) }
    throw ExitCode(status)
  }

  /// Where `--live` puts the program's output: beside the capture, `NAME.output.txt`.
  static func outputPath(for capturePath: String) -> String {
    let stem = capturePath.hasSuffix(".bin") ? String(capturePath.dropLast(4)) : capturePath
    return stem + ".output.txt"
  }

  /// Compresses the children's captures, prints the summary; returns the program's shell status.
  private func summarize(_ result: LiveRun.Result, capturePath: String, started: Date) -> Int32 {
    let children = CaptureNaming.childCaptures(of: capturePath, since: started)
    var problems = [result.compressionProblem].compactMap { $0 }
    if !noCompress {
      for capture in children where FileManager.default.fileExists(atPath: capture) {
        do {
          try CaptureCompression.compress(path: capture)
        } catch {
          problems.append("\(error); the capture stays uncompressed")
        }
      }
    }
    var report = RunReport(
      program: command[0], status: result.outcome.status, capturePath: capturePath, childCaptures: children,
      profile: result.profile)
    report.problems = problems
    FileHandle.standardError.write(Data(report.render().utf8))
    return result.outcome.status.shellCode
  }
}
