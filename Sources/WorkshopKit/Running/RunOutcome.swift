import ProcessLaunch

/// Where a watched run is stopped.
public struct RunBounds: Sendable, Equatable {
  /// Wall-clock seconds; nil for no bound.
  public var seconds: Double?
  /// Resident bytes of the program (tracker included); nil for no bound.
  public var residentBytes: UInt64?
  /// How often the program is looked at (ended? resident size?), in seconds.
  public var pollInterval: Double

  /// Bounds as given; by default none.
  public init(seconds: Double? = nil, residentBytes: UInt64? = nil, pollInterval: Double = 0.02) {
    self.seconds = seconds
    self.residentBytes = residentBytes
    self.pollInterval = pollInterval
  }
}

/// Why a watched run was stopped before it ended by itself.
public enum BoundReached: Sendable, Equatable {
  /// It ran longer than the time bound; `seconds` is when it was stopped.
  case time(seconds: Double)
  /// Its resident size went over the memory bound; `residentBytes` is what was last read.
  case memory(residentBytes: UInt64)
  /// It was cancelled (``LiveRun/cancel()``) after `seconds`.
  case cancelled(seconds: Double)
}

/// The resident size of a watched program at one moment.
public struct ResidentSample: Sendable, Equatable {
  /// Seconds since it started.
  public var seconds: Double
  /// Its resident bytes.
  public var bytes: UInt64

  /// A sample as given.
  public init(seconds: Double, bytes: UInt64) {
    self.seconds = seconds
    self.bytes = bytes
  }
}

/// How a watched run ended.
public struct RunOutcome: Sendable, Equatable {
  /// The exit status (SIGKILL when a bound or a cancel stopped it).
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
