import Foundation
import ProcessLaunch

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
  /// Variables set for the program on top of ours (the tracker's still win).
  public var extraEnvironment: [String: String] = [:]
  /// The file that receives the program's standard output (created or truncated); nil passes it through.
  public var standardOutputPath: String?
  /// The file that receives its standard error; the same path as ``standardOutputPath`` interleaves
  /// both in one file, as a terminal would show them. Nil passes it through.
  public var standardErrorPath: String?
  /// Where to stop a runaway program.
  public var bounds = RunBounds()

  /// Describes a run; nothing starts until ``run()``.
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
    try runWatched().status
  }

  /// Starts the program and watches it until it ends or crosses one of ``bounds``, where it is
  /// killed (SIGKILL). Its resident size is read from `/proc/PID/statm` about every
  /// ``RunBounds/pollInterval``, so it can overshoot the memory bound by what it touches in that time.
  public func runWatched() throws -> RunOutcome {
    guard let program = arguments.first else {
      throw WorkshopError.programNotStarted(program: "(nothing)", reason: "no program was given")
    }
    if FileManager.default.fileExists(atPath: capturePath) {
      throw WorkshopError.captureExists(path: capturePath)
    }
    let started = Self.now()
    let pid = try spawn(program: program)
    let previousInterrupt = signal(SIGINT, SIG_IGN)
    let previousQuit = signal(SIGQUIT, SIG_IGN)
    defer {
      signal(SIGINT, previousInterrupt)
      signal(SIGQUIT, previousQuit)
    }
    var status: Int32 = 0
    var reached: BoundReached?
    var peakResident: UInt64 = 0
    var samples: [ResidentSample] = []
    let watching = bounds.seconds != nil || bounds.residentBytes != nil
    while true {
      let result = waitpid(pid, &status, watching && reached == nil ? WNOHANG : 0)
      if result == pid { break }
      if result == -1 {
        guard errno == EINTR else {
          throw WorkshopError.programNotStarted(program: program, reason: String(cString: strerror(errno)))
        }
        continue
      }
      // Still running: look at it, then sleep a little (briefly at first, so short runs end promptly).
      let elapsed = Self.now() - started
      let resident = Self.residentBytes(of: pid)
      peakResident = max(peakResident, resident)
      if samples.last.map({ elapsed - $0.seconds >= bounds.pollInterval }) ?? true {
        samples.append(ResidentSample(seconds: elapsed, bytes: resident))
      }
      if let limit = bounds.residentBytes, resident > limit {
        reached = .memory(residentBytes: resident)
      } else if let seconds = bounds.seconds, elapsed > seconds {
        reached = .time(seconds: elapsed)
      }
      if reached != nil {
        kill(pid, SIGKILL)
        continue
      }
      let pause = elapsed < 0.05 ? 0.001 : elapsed < 0.25 ? 0.005 : bounds.pollInterval
      usleep(UInt32(pause * 1_000_000))
    }
    return RunOutcome(
      status: ExitStatus(waitStatus: status), boundReached: reached, wallSeconds: Self.now() - started,
      peakResidentBytes: peakResident, residentSamples: samples)
  }

  /// Seconds on the monotonic clock.
  static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }

  /// The resident bytes of process `pid` (0 once it is gone).
  static func residentBytes(of pid: pid_t) -> UInt64 {
    let descriptor = open("/proc/\(pid)/statm", O_RDONLY)
    guard descriptor >= 0 else { return 0 }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 128)
    let count = read(descriptor, &buffer, buffer.count - 1)
    guard count > 0 else { return 0 }
    let fields = String(decoding: buffer[0..<count], as: UTF8.self).split(separator: " ")
    guard fields.count > 1, let pages = UInt64(fields[1]) else { return 0 }
    return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
  }

  private func spawn(program: String) throws -> pid_t {
    let launch = ProcessLaunch(
      arguments: arguments, environment: environment(), standardOutputPath: standardOutputPath,
      standardErrorPath: standardErrorPath)
    do {
      return try launch.spawn()
    } catch {
      throw WorkshopError.programNotStarted(program: program, reason: error.reason)
    }
  }
}

/// Where a watched run is stopped.
public struct RunBounds: Sendable, Equatable {
  /// Wall-clock seconds; nil for no bound.
  public var seconds: Double?
  /// Resident bytes of the program (tracker included); nil for no bound.
  public var residentBytes: UInt64?
  /// How often the program's resident size is read, in seconds.
  public var pollInterval: Double

  /// Bounds as given; by default none.
  public init(seconds: Double? = nil, residentBytes: UInt64? = nil, pollInterval: Double = 0.02) {
    self.seconds = seconds
    self.residentBytes = residentBytes
    self.pollInterval = pollInterval
  }
}

/// The bound a runaway program crossed.
public enum BoundReached: Sendable, Equatable {
  /// It ran longer than the time bound; `seconds` is when it was stopped.
  case time(seconds: Double)
  /// Its resident size went over the memory bound; `residentBytes` is what was last read.
  case memory(residentBytes: UInt64)
}

/// The resident size of a watched program at one moment.
public struct ResidentSample: Sendable, Equatable {
  /// Seconds since it started.
  public var seconds: Double
  /// Its resident bytes.
  public var bytes: UInt64
}

/// How a watched run ended.
public struct RunOutcome: Sendable, Equatable {
  /// The exit status (SIGKILL when a bound stopped it).
  public var status: ExitStatus
  /// The bound that stopped it, if one did.
  public var boundReached: BoundReached?
  /// Wall-clock seconds from start to end.
  public var wallSeconds: Double
  /// The largest resident size read while it ran (0 if it ended before the first look).
  public var peakResidentBytes: UInt64
  /// The resident sizes read while it ran, about one per poll interval.
  public var residentSamples: [ResidentSample]
}
