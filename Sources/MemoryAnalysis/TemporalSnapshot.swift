import MemoryTrace

/// What was alive at one moment of a run, or what was allocated within a span of it and not freed
/// by the span's end: memray's `--temporal` view, for any moment the user picks on the chart.
///
/// Time in a capture moves in ticks (the tracker writes one every 10 ms), and every record between
/// two ticks happened somewhere in that interval. So a moment `t` stands for the end of its
/// interval: the state when the first tick later than `t` is written, whose heap is the timeline's
/// point at that tick. A span `[from, to]` starts at the first tick at or after `from` (the start of
/// the run for 0) and ends as a moment `to` does.
public struct TemporalSnapshot: Sendable, Equatable {
  /// What to collect.
  public enum Query: Sendable, Hashable {
    /// What was alive at `microseconds` (the end of the tick interval holding it).
    case aliveAt(microseconds: UInt64)
    /// What was allocated from `from` to `to` (microseconds) and not freed by `to`.
    case allocatedNotFreed(from: UInt64, to: UInt64)

    /// The span's start and end: a moment is the span from the run's start.
    var span: (from: UInt64, to: UInt64) {
      switch self {
      case .aliveAt(let microseconds): return (0, microseconds)
      case .allocatedNotFreed(let from, let to): return (min(from, to), max(from, to))
      }
    }
  }

  /// What was collected.
  public var query: Query
  /// The blocks that qualify, grouped by stack, largest first.
  public var byStack: [StackTotal]
  /// Their bytes.
  public var bytes: UInt64
  /// Their number.
  public var count: UInt64
  /// The tick the state was taken at (the first later than the span's end), in microseconds; nil
  /// when the capture ended first (the state is the end's).
  public var endTickMicroseconds: UInt64?

  /// A snapshot as given (tests, and ``TemporalCollector/snapshot()``).
  public init(query: Query, byStack: [StackTotal], bytes: UInt64, count: UInt64, endTickMicroseconds: UInt64?) {
    self.query = query
    self.byStack = byStack
    self.bytes = bytes
    self.count = count
    self.endTickMicroseconds = endTickMicroseconds
  }

  /// Reads the finished capture at `path` once and collects `query`.
  ///
  /// - Throws: a ``CaptureError`` when the file is not a readable capture; damage part-way is not
  ///   thrown (what was read before it counts).
  /// - Complexity: O(*n*) for *n* records; memory O(*b*) for the *b* blocks alive in the span.
  public init(contentsOf path: String, query: Query) throws(CaptureError) {
    let reader = try CaptureReader(path: path)
    var collector = TemporalCollector(query: query)
    do {
      try reader.read(into: &collector, fileMayGrow: false)
    } catch {
      guard case .damaged = error else { throw error }
    }
    self = collector.snapshot()
  }
}

/// The visitor behind ``TemporalSnapshot``: follows the blocks allocated within the span until the
/// first tick past its end, then ignores the rest. Usable on its own to feed designed events.
public struct TemporalCollector: CaptureVisitor {
  private let from: UInt64
  private let to: UInt64
  private let query: TemporalSnapshot.Query
  private var recording: Bool
  private var frozen = false
  private var endTick: UInt64?
  private var blocks: [UInt64: (size: UInt64, stack: UInt32)] = [:]

  /// A collector for `query`, before any record.
  public init(query: TemporalSnapshot.Query) {
    self.query = query
    (from, to) = query.span
    recording = from == 0
  }

  /// Starts recording at the span's first tick; freezes at the first tick past its end.
  public mutating func visit(_ tick: TickEvent) {
    guard !frozen else { return }
    if tick.microseconds > to {
      frozen = true
      endTick = tick.microseconds
      return
    }
    if tick.microseconds >= from { recording = true }
  }

  /// Keeps the block when the span has started; a block at a live address replaces it (a realloc in place).
  public mutating func visit(_ allocation: AllocationEvent) {
    guard !frozen else { return }
    if recording {
      blocks[allocation.address] = (allocation.size, allocation.stack)
    } else {
      blocks.removeValue(forKey: allocation.address)
    }
  }

  /// Forgets the block.
  public mutating func visit(_ deallocation: DeallocationEvent) {
    guard !frozen else { return }
    blocks.removeValue(forKey: deallocation.address)
  }

  /// The process replaced itself: its blocks are gone.
  public mutating func visit(_ exec: ExecEvent) {
    guard !frozen else { return }
    blocks.removeAll()
  }

  /// What was collected so far.
  ///
  /// - Complexity: O(*b* + *s* log *s*) for *b* blocks over *s* stacks.
  public func snapshot() -> TemporalSnapshot {
    var totals: [UInt32: (bytes: UInt64, count: UInt64)] = [:]
    var bytes: UInt64 = 0
    for block in blocks.values {
      totals[block.stack, default: (0, 0)].bytes &+= block.size
      totals[block.stack, default: (0, 0)].count &+= 1
      bytes &+= block.size
    }
    let byStack = totals.map { StackTotal(stack: $0.key, bytes: $0.value.bytes, count: $0.value.count) }
      .sorted { ($0.bytes, $0.count, $1.stack) > ($1.bytes, $1.count, $0.stack) }
    return TemporalSnapshot(
      query: query, byStack: byStack, bytes: bytes, count: UInt64(blocks.count), endTickMicroseconds: endTick)
  }
}
