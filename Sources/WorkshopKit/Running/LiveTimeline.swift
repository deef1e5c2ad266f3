import MemoryAnalysis

/// A run's timeline kept to a bounded number of points for a live chart (the profiler keeps up to
/// ``MemoryProfiler/maximumTimelinePoints``, too many to copy into every snapshot): while it holds fewer than
/// twice ``capacity`` points it keeps every tick; past that, neighbouring points are merged in pairs,
/// each merged point keeping the larger heap and resident size of the two, so a chart drawn from it
/// still shows every interval's maximum (the peak is never averaged away).
///
/// - Complexity: amortised O(1) per tick appended; memory O(``capacity``).
public struct LiveTimeline: Sendable, Equatable {
  /// The points kept, oldest first.
  public private(set) var points: [TimelinePoint] = []
  /// How many ticks each kept point stands for (a power of two).
  public private(set) var ticksPerPoint = 1
  /// At most twice this many points are kept.
  public let capacity: Int
  private var pending: TimelinePoint?
  private var pendingTicks = 0

  /// An empty timeline that keeps at most `2 * capacity` points.
  public init(capacity: Int = 1024) {
    self.capacity = max(capacity, 2)
  }

  /// A timeline of `points`, as if appended one by one.
  public init(_ points: some Sequence<TimelinePoint>, capacity: Int = 1024) {
    self.init(capacity: capacity)
    for point in points { append(point) }
  }

  /// Adds the next tick.
  public mutating func append(_ point: TimelinePoint) {
    let merged = pending.map { $0.merging(point) } ?? point
    pendingTicks += 1
    if pendingTicks < ticksPerPoint {
      pending = merged
      return
    }
    points.append(merged)
    pending = nil
    pendingTicks = 0
    if points.count >= 2 * capacity { halve() }
  }

  /// The kept points and the ticks still being merged into the next one.
  public var allPoints: [TimelinePoint] { pending.map { points + [$0] } ?? points }

  private mutating func halve() {
    points = stride(from: 0, to: points.count - 1, by: 2).map { points[$0].merging(points[$0 + 1]) }
    ticksPerPoint *= 2
  }
}
