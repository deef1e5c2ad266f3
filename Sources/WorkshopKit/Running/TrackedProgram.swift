import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a program with the tracker preloaded, its standard streams passed straight through.
public struct TrackedProgram: Sendable {
  /// The program and its arguments; the program is looked up in `PATH` like a shell does.
  public var arguments: [String]
  /// Where the tracker writes the capture. Must not exist yet.
  public var capturePath: String
  /// Track the program's children (fork and exec) too, each into its own capture.
  public var followFork: Bool
  /// The tracker library to preload.
  public var trackerLibrary: String

  /// Describes a run; nothing starts until ``run()``.
  public init(arguments: [String], capturePath: String, followFork: Bool = false, trackerLibrary: String) {
    self.arguments = arguments
    self.capturePath = capturePath
    self.followFork = followFork
    self.trackerLibrary = trackerLibrary
  }

  /// The environment the program starts with: ours, plus the tracker's variables.
  public func environment(base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
    var environment = base
    let preload = [trackerLibrary, base["LD_PRELOAD"]].compactMap { $0 }.filter { !$0.isEmpty }
    environment["LD_PRELOAD"] = preload.joined(separator: " ")
    environment["WORKSHOP_CAPTURE"] = capturePath
    if followFork {
      environment["WORKSHOP_FOLLOW_FORK"] = "1"
    } else {
      environment.removeValue(forKey: "WORKSHOP_FOLLOW_FORK")
    }
    return environment
  }

  /// Starts the program, waits for it, and returns how it ended.
  ///
  /// While the program runs, this process ignores SIGINT and SIGQUIT (as `time` and shells do),
  /// so that Ctrl-C reaches the program and we still report how it ended.
  public func run() throws -> ExitStatus {
    guard let program = arguments.first else {
      throw WorkshopError.programNotStarted(program: "(nothing)", reason: "no program was given")
    }
    if FileManager.default.fileExists(atPath: capturePath) {
      throw WorkshopError.captureExists(path: capturePath)
    }
    let pid = try spawn(program: program)
    let previousInterrupt = signal(SIGINT, SIG_IGN)
    let previousQuit = signal(SIGQUIT, SIG_IGN)
    defer {
      signal(SIGINT, previousInterrupt)
      signal(SIGQUIT, previousQuit)
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
      guard errno == EINTR else {
        throw WorkshopError.programNotStarted(program: program, reason: String(cString: strerror(errno)))
      }
    }
    return ExitStatus(waitStatus: status)
  }

  private func spawn(program: String) throws -> pid_t {
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment().map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      argv.forEach { free($0) }
      envp.forEach { free($0) }
    }
    var pid: pid_t = 0
    let result = posix_spawnp(&pid, program, nil, nil, argv, envp)
    guard result == 0 else {
      let reason = result == ENOENT ? "no such program in PATH" : String(cString: strerror(result))
      throw WorkshopError.programNotStarted(program: program, reason: reason)
    }
    return pid
  }
}
