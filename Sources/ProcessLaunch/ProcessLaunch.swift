import CProcessLaunch
import Foundation

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
  ///
  /// The child starts with no signal blocked and every signal at its default action, whatever the
  /// calling thread had (Dispatch's threads block nearly all), as Foundation's `Process` does. A
  /// standard stream that is neither redirected nor open here is opened on /dev/null, so that the
  /// child's first file cannot land on descriptor 0, 1 or 2.
  public func spawn() throws(ProcessLaunchError) -> pid_t {
    guard var program = arguments.first, !program.isEmpty else { throw .noProgram }
    // A relative path names a file from our folder, not from the child's.
    if program.contains("/") && !program.hasPrefix("/") {
      program = FileManager.default.currentDirectoryPath + "/" + program
    }
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      argv.forEach { free($0) }
      envp.forEach { free($0) }
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var failed: Int32 = 0
    func check(_ result: Int32) { if failed == 0 && result != 0 { failed = result } }
    let writeFlags = O_WRONLY | O_CREAT | O_TRUNC
    for (descriptor, path) in [(Int32(0), standardInputPath), (1, standardOutputPath), (2, standardErrorPath)] {
      if descriptor == 2, let path, path == standardOutputPath {
        check(posix_spawn_file_actions_adddup2(&actions, 1, 2))
      } else if let path {
        check(
          posix_spawn_file_actions_addopen(&actions, descriptor, path, descriptor == 0 ? O_RDONLY : writeFlags, 0o644))
      } else if fcntl(descriptor, F_GETFD) < 0 {
        check(posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_RDWR, 0))
      }
    }
    if let directory { check(workshop_spawn_change_directory(&actions, directory)) }
    check(workshop_spawn_close_from(&actions, 3))
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var everySignal = sigset_t()
    sigfillset(&everySignal)
    sigdelset(&everySignal, SIGKILL)
    sigdelset(&everySignal, SIGSTOP)
    check(posix_spawnattr_setsigmask(&attributes, &noSignals))
    check(posix_spawnattr_setsigdefault(&attributes, &everySignal))
    var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
    if ownProcessGroup {
      flags |= Int32(POSIX_SPAWN_SETPGROUP)
      check(posix_spawnattr_setpgroup(&attributes, 0))
    }
    check(posix_spawnattr_setflags(&attributes, Int16(flags)))
    guard failed == 0 else {
      throw .notStarted(
        program: program, reason: "its start could not be prepared (\(String(cString: strerror(failed))))")
    }
    var pid: pid_t = 0
    var result = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
    // A program file just written is "busy" while a child that another thread is starting still
    // holds its descriptor, for the moment before that child closes it: try again briefly.
    var retries = 0
    while result == ETXTBSY && retries < 20 {
      usleep(5_000)
      retries += 1
      result = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
    }
    guard result == 0 else {
      throw .notStarted(program: arguments[0], reason: reason(for: result, program: program))
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
  ///
  /// - Throws: ``ProcessLaunchError/waitFailed(pid:reason:)`` when `waitpid` fails (the child was
  ///   reaped elsewhere, or SIGCHLD is ignored): never a made-up status.
  public static func waitStatus(of pid: pid_t) throws(ProcessLaunchError) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      if errno != EINTR { throw .waitFailed(pid: pid, reason: String(cString: strerror(errno))) }
    }
    return status
  }

  /// Waits at most `seconds` (on the monotonic clock) for child `pid` to end; nil when it is still
  /// running then.
  ///
  /// - Throws: ``ProcessLaunchError/waitFailed(pid:reason:)`` when `waitpid` fails.
  public static func waitStatus(of pid: pid_t, seconds: Double) throws(ProcessLaunchError) -> Int32? {
    let deadline = monotonicSeconds() + seconds
    var status: Int32 = 0
    var delay: UInt32 = 1_000
    while true {
      let result = waitpid(pid, &status, WNOHANG)
      if result == pid { return status }
      if result < 0 && errno != EINTR { throw .waitFailed(pid: pid, reason: String(cString: strerror(errno))) }
      if monotonicSeconds() >= deadline { return nil }
      usleep(delay)
      delay = min(delay * 2, 50_000)
    }
  }

  /// Kills (SIGKILL) a child that is still running (not yet reaped), and its process group when it
  /// was started with ``ownProcessGroup``, then reaps it.
  public static func killGroup(of pid: pid_t) {
    kill(-pid, SIGKILL)
    kill(pid, SIGKILL)  // in case it left its group
    _ = try? waitStatus(of: pid)
  }

  /// Seconds on the monotonic clock (for deadlines and durations: it never jumps).
  public static func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
  }
}

/// Why a child program could not be started.
public enum ProcessLaunchError: Error, Equatable, CustomStringConvertible {
  /// The argument list was empty.
  case noProgram
  /// `posix_spawn` refused: the program, and why.
  case notStarted(program: String, reason: String)
  /// `waitpid` failed for a child: its pid, and why.
  case waitFailed(pid: pid_t, reason: String)

  /// One sentence that names the program.
  public var description: String {
    switch self {
    case .noProgram: return "No program was given to start."
    case .notStarted(let program, let reason): return "Could not start '\(program)': \(reason)."
    case .waitFailed(let pid, let reason): return "Could not wait for process \(pid): \(reason)."
    }
  }

  /// Just the reason, for a caller that words its own sentence.
  public var reason: String {
    switch self {
    case .noProgram: return "no program was given"
    case .notStarted(_, let reason): return reason
    case .waitFailed(_, let reason): return "waiting for it failed: \(reason)"
    }
  }
}
