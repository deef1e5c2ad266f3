import TrackerFormat

/// The fixed header at the start of every capture.
public struct CaptureHeader: Sendable, Equatable {
  /// The format version (``CaptureFormat/version``).
  public var version: UInt16
  /// The header size the tracker wrote; the first record starts at this offset.
  public var headerSize: UInt16
  /// What the tracker could do for this run.
  public var flags: CaptureFlags
  /// The tracked process.
  public var pid: UInt32
  /// Its parent when the capture started.
  public var parentPID: UInt32
  /// `CLOCK_REALTIME` at start, in nanoseconds since the epoch, for display.
  public var startRealtimeNanoseconds: UInt64
  /// `CLOCK_MONOTONIC` at start: tick times count from it.
  public var startMonotonicNanoseconds: UInt64
  /// The page size of the machine that ran the program.
  public var pageSize: UInt32

  /// Creates a header from its fields.
  public init(
    version: UInt16 = CaptureFormat.version, headerSize: UInt16 = UInt16(CaptureFormat.headerSize),
    flags: CaptureFlags = [], pid: UInt32 = 0, parentPID: UInt32 = 0, startRealtimeNanoseconds: UInt64 = 0,
    startMonotonicNanoseconds: UInt64 = 0, pageSize: UInt32 = 4096
  ) {
    self.version = version
    self.headerSize = headerSize
    self.flags = flags
    self.pid = pid
    self.parentPID = parentPID
    self.startRealtimeNanoseconds = startRealtimeNanoseconds
    self.startMonotonicNanoseconds = startMonotonicNanoseconds
    self.pageSize = pageSize
  }
}

/// The header's flag bits (`WORKSHOP_FLAG_*`).
public struct CaptureFlags: OptionSet, Sendable, Hashable {
  /// The raw bits.
  public var rawValue: UInt32
  /// Creates flags from raw bits.
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  /// libunwind was loaded: ALLOC records carry real stacks.
  public static let nativeStacks = CaptureFlags(rawValue: UInt32(WORKSHOP_FLAG_NATIVE_STACKS))
  /// The capture belongs to a child the tracker followed across `fork()` or `exec()`.
  public static let followedChild = CaptureFlags(rawValue: UInt32(WORKSHOP_FLAG_FOLLOWED_CHILD))
}
