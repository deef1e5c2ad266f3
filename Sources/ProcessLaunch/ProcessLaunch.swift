import CProcessLaunch

#if canImport(Glibc)
  import Glibc
#endif

/// How to start one child program with `posix_spawn`: its arguments, environment, folder and
/// standard streams. The child gets descriptors 0, 1 and 2 and nothing else of ours.
///
/// Foundation's `Process` is not used for children that may leave a daemon behind (tmux) or
/// that must not see our descriptors: on Linux it hands the child one end of a socket and only
/// reaps the child once every holder of that socket has closed it, so a daemon that keeps it waits
/// forever. Here the caller waits with `waitpid`, which returns when the child itself ends.
public struct ProcessLaunch: Sendable {
  /// The program (looked up in `PATH` unless it names a path) and its arguments.
  public var arguments: [String]
  /// The child's whole environment.
  public var environment: [String: String]
  /// The child's working folder; nil keeps ours.
  public var directory: String?
  /// The file the child reads as standard input; nil passes ours through.
  public var standardInputPath: String?
  /// The file that receives standard output (created or truncated); nil passes ours through.
  public var standardOutputPath: String?
  /// The file that receives standard error; the same path as ``standardOutputPath`` interleaves
  /// both in one file. Nil passes ours through.
  public var standardErrorPath: String?
  /// Starts the child in a process group of its own (its id is the child's pid), so that
  /// ``killGroup(of:)`` reaches everything it starts that stays in the group.
  public var ownProcessGroup = false

  /// Describes a launch; nothing starts until ``spawn()``.
  public init(
    arguments: [String], environment: [String: String], directory: String? = nil,
    standardInputPath: String? = nil, standardOutputPath: String? = nil, standardErrorPath: String? = nil
  ) {
    self.arguments = arguments
    self.environment = environment
    self.directory = directory
    self.standardInputPath = standardInputPath
    self.standardOutputPath = standardOutputPath
    self.standardErrorPath = standardErrorPath
  }

  /// Starts the child and returns its process id; the caller must wait for it (``waitStatus(of:)``).
  public func spawn() throws(ProcessLaunchError) -> pid_t {
    guard let program = arguments.first, !program.isEmpty else { throw .noProgram }
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      argv.forEach { free($0) }
      envp.forEach { free($0) }
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if let standardInputPath {
      posix_spawn_file_actions_addopen(&actions, 0, standardInputPath, O_RDONLY, 0)
    }
    let writeFlags = O_WRONLY | O_CREAT | O_TRUNC
    if let standardOutputPath {
      posix_spawn_file_actions_addopen(&actions, 1, standardOutputPath, writeFlags, 0o644)
    }
    if let standardErrorPath {
      if standardErrorPath == standardOutputPath {
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
      } else {
        posix_spawn_file_actions_addopen(&actions, 2, standardErrorPath, writeFlags, 0o644)
      }
    }
    if let directory { workshop_spawn_change_directory(&actions, directory) }
    workshop_spawn_close_from(&actions, 3)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    if ownProcessGroup {
      posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
      posix_spawnattr_setpgroup(&attributes, 0)
    }
    var pid: pid_t = 0
    let result = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
    guard result == 0 else {
      throw .notStarted(program: program, reason: reason(for: result, program: program))
    }
    return pid
  }

  /// Words `posix_spawn`'s error: ENOENT can mean the program, the folder or a stream's file.
  private func reason(for error: Int32, program: String) -> String {
    guard error == ENOENT else { return String(cString: strerror(error)) }
    if let directory, access(directory, F_OK) != 0 { return "there is no folder \(directory)" }
    if program.contains("/") { return access(program, F_OK) != 0 ? "there is no such file" : "it cannot be run" }
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
    let folders = path.split(separator: ":")
    if !folders.contains(where: { access("\($0)/\(program)", X_OK) == 0 }) { return "no such program in PATH" }
    return "a file it reads or writes cannot be made"
  }

  /// Waits for child `pid` to end and returns its `waitpid` status word.
  public static func waitStatus(of pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return status
  }

  /// Waits at most `seconds` for child `pid` to end; nil when it is still running then.
  public static func waitStatus(of pid: pid_t, seconds: Double) -> Int32? {
    var status: Int32 = 0
    var delay: UInt32 = 1_000
    var waited = 0.0
    while true {
      let result = waitpid(pid, &status, WNOHANG)
      if result == pid { return status }
      if result < 0 && errno != EINTR { return nil }
      if waited >= seconds { return nil }
      usleep(delay)
      waited += Double(delay) / 1_000_000
      delay = min(delay * 2, 50_000)
    }
  }

  /// Kills (SIGKILL) the process group of a child started with ``ownProcessGroup``, and reaps the child.
  public static func killGroup(of pid: pid_t) {
    kill(-pid, SIGKILL)
    _ = waitStatus(of: pid)
  }
}

/// Why a child program could not be started.
public enum ProcessLaunchError: Error, Equatable, CustomStringConvertible {
  /// The argument list was empty.
  case noProgram
  /// `posix_spawn` refused: the program, and why.
  case notStarted(program: String, reason: String)

  /// One sentence that names the program.
  public var description: String {
    switch self {
    case .noProgram: return "No program was given to start."
    case .notStarted(let program, let reason): return "Could not start '\(program)': \(reason)."
    }
  }

  /// Just the reason, for a caller that words its own sentence.
  public var reason: String {
    switch self {
    case .noProgram: return "no program was given"
    case .notStarted(_, let reason): return reason
    }
  }
}
