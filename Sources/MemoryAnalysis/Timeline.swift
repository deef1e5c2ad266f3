/// The heap and the resident size at one TICK.
public struct TimelinePoint: Sendable, Equatable {
  /// Microseconds since the capture started.
  public var microseconds: UInt64
  /// Heap bytes (sum of live blocks) at the tick.
  public var heapBytes: UInt64
  /// The largest heap reached since the previous tick (or the start), this tick included.
  public var maxHeapBytes: UInt64
  /// The program's resident bytes.
  public var residentBytes: UInt64
  /// The tracker's own resident bytes.
  public var trackerBytes: UInt64

  /// Creates a point.
  public init(
    microseconds: UInt64, heapBytes: UInt64, maxHeapBytes: UInt64, residentBytes: UInt64, trackerBytes: UInt64
  ) {
    self.microseconds = microseconds
    self.heapBytes = heapBytes
    self.maxHeapBytes = maxHeapBytes
    self.residentBytes = residentBytes
    self.trackerBytes = trackerBytes
  }

  /// Milliseconds since the capture started.
  public var milliseconds: Double { Double(microseconds) / 1000 }

  /// One point for this one and the `later` one next to it, when a timeline keeps fewer points than
  /// ticks: the later one's time and heap, and the larger maximum heap, resident and tracker sizes,
  /// so that a chart of merged points still shows every interval's maximum.
  public func merging(_ later: TimelinePoint) -> TimelinePoint {
    var point = later
    point.maxHeapBytes = max(maxHeapBytes, later.maxHeapBytes)
    point.residentBytes = max(residentBytes, later.residentBytes)
    point.trackerBytes = max(trackerBytes, later.trackerBytes)
    return point
  }
}

/// A MARKER record as placed in the run.
public struct MarkerOccurrence: Sendable, Equatable {
  /// The marker's name.
  public var name: String
  /// The kernel thread id that placed it.
  public var thread: UInt64
  /// The latest tick before it, in microseconds.
  public var microseconds: UInt64
  /// The number of ALLOC and FREE events before it.
  public var eventIndex: UInt64
  /// The heap bytes when it was placed.
  public var heapBytes: UInt64
}
