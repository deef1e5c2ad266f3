import Foundation
import ProcessLaunch

#if canImport(Glibc)
  import Glibc
#endif

/// A program to run with the tracker preloaded: what to start and where its streams go. Nothing
/// starts here: ``LiveRun`` starts it, watches it and follows its capture.
public struct TrackedProgram: Sendable {
  /// The program and its arguments; the program is looked up in `PATH` like a shell does.
  public var arguments: [String]
  /// Where the tracker writes the capture. Must not exist yet.
  public var capturePath: String
  /// Track the program's children (fork and exec) too, each into its own capture.
  public var followFork: Bool
  /// The tracker library to preload.
  public var trackerLibrary: String
  /// Variables set for the program on top of ours (the tracker's still win).
  public var extraEnvironment: [String: String] = [:]
  /// The file the program reads as standard input; nil passes ours through.
  public var standardInputPath: String?
  /// The file that receives the program's standard output (created or truncated); nil passes it through.
  public var standardOutputPath: String?
  /// The file that receives its standard error; the same path as ``standardOutputPath`` interleaves
  /// both in one file, as a terminal would show them. Nil passes it through.
  public var standardErrorPath: String?
  /// Starts the program in a process group of its own, so that stopping it (at a bound, on cancel,
  /// or when it ends) ends everything it started too. A program that reads the terminal must stay
  /// in ours (`workshop run`): a background group is stopped when it reads.
  public var ownProcessGroup = false
  /// What the program starts, found and ended with it when it has a process group of its own
  /// (``ownProcessGroup``): the processes below it, and through the variable ``ProcessTree/markerName``
  /// in their environment those that left its group or session and those it left behind.
  public var processTree = ProcessTree.unique(markerName: "WORKSHOP_RUN_MARKER")
  /// Where to stop a runaway program.
  public var bounds = RunBounds()

  /// Describes a run; nothing starts until a ``LiveRun`` starts it.
  public init(arguments: [String], capturePath: String, followFork: Bool = false, trackerLibrary: String) {
    self.arguments = arguments
    self.capturePath = capturePath
    self.followFork = followFork
    self.trackerLibrary = trackerLibrary
  }

  /// The environment the program starts with: ours, plus the tracker's variables.
  public func environment(base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
    var environment = base.merging(extraEnvironment) { $1 }
    let preload = [trackerLibrary, base["LD_PRELOAD"]].compactMap { $0 }.filter { !$0.isEmpty }
    environment["LD_PRELOAD"] = preload.joined(separator: " ")
    environment["WORKSHOP_CAPTURE"] = capturePath
    if ownProcessGroup {
      environment[processTree.markerName] = processTree.markerValue
    } else {
      environment.removeValue(forKey: processTree.markerName)
    }
    if followFork {
      environment["WORKSHOP_FOLLOW_FORK"] = "1"
    } else {
      environment.removeValue(forKey: "WORKSHOP_FOLLOW_FORK")
    }
    return environment
  }

  /// Starts the program and returns its process id; the caller waits for it.
  ///
  /// - Throws: ``WorkshopError/captureExists(path:)`` when the capture is already there,
  ///   ``WorkshopError/programNotStarted(program:reason:)`` when it cannot be started.
  func spawn() throws(WorkshopError) -> pid_t {
    guard let program = arguments.first else {
      throw .programNotStarted(program: "(nothing)", reason: "no program was given")
    }
    if FileManager.default.fileExists(atPath: capturePath) {
      throw .captureExists(path: capturePath)
    }
    var launch = ProcessLaunch(
      arguments: arguments, environment: environment(), standardInputPath: standardInputPath,
      standardOutputPath: standardOutputPath, standardErrorPath: standardErrorPath)
    launch.ownProcessGroup = ownProcessGroup
    do {
      return try launch.spawn()
    } catch {
      throw .programNotStarted(program: program, reason: error.reason)
    }
  }

  /// The resident bytes of process `pid` (0 once it is gone).
  static func residentBytes(of pid: pid_t) -> UInt64 {
    let descriptor = open("/proc/\(pid)/statm", O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return 0 }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 128)
    let count = read(descriptor, &buffer, buffer.count - 1)
    guard count > 0 else { return 0 }
    let fields = String(decoding: buffer[0..<count], as: UTF8.self).split(separator: " ")
    guard fields.count > 1, let pages = UInt64(fields[1]) else { return 0 }
    return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
  }
}
