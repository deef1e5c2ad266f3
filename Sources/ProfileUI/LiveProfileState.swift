import MemoryAnalysis
import Rendering
import TerminalUI
import WorkshopKit

/// What a key asks of a live run.
public enum LiveCommand: Sendable, Equatable {
  /// Leave the screen and let the program go on (memray's live mode: `q` detaches); workshop waits
  /// for it and prints the summary.
  case detach
}

/// The live screen of `workshop run --live` as plain state: the latest snapshot of the run (held
/// while paused), the allocation rate, the top locations and their order. Keys go in through
/// ``handle(_:)``; ``ProfileScreen/render(_:)`` draws it. No terminal, no threads.
public struct LiveProfileState: Sendable {
  /// The screen's size.
  public private(set) var width: Int
  /// The screen's height.
  public private(set) var height: Int
  /// What the terminal can show.
  public let capabilities: TerminalCapabilities
  /// The first line: the program, and where its output goes.
  public var heading: String
  /// The snapshot shown (the last one taken before a pause, while paused).
  public private(set) var snapshot = LiveRun.Snapshot()
  /// The top locations shown.
  public private(set) var locations: LocationSummary?
  /// The order of the table (`t`, `o`, `a`).
  public private(set) var order: LocationSummary.Order = .total
  /// Whether the view is held (`space`); the program goes on.
  public private(set) var paused = false
  /// (seconds on the capture's clock, allocations) over the last second or so: the rate's window.
  private var rateWindow: [(seconds: Double, allocations: UInt64)] = []

  /// A live screen of `width` × `height` before the first snapshot.
  public init(heading: String, width: Int, height: Int, capabilities: TerminalCapabilities) {
    self.heading = heading
    self.width = width
    self.height = height
    self.capabilities = capabilities
  }

  /// Takes a new size.
  public mutating func resize(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  /// Takes the run's newest snapshot (ignored while paused).
  public mutating func update(_ snapshot: LiveRun.Snapshot) {
    guard !paused else { return }
    self.snapshot = snapshot
    let seconds = Double(snapshot.captureMicroseconds) / 1_000_000
    if rateWindow.last.map({ seconds > $0.seconds }) ?? true {
      rateWindow.append((seconds, snapshot.allocations))
    }
    while rateWindow.count > 2, seconds - rateWindow[1].seconds >= 1 { rateWindow.removeFirst() }
  }

  /// Takes the newest top locations (ignored while paused).
  public mutating func update(locations: LocationSummary) {
    guard !paused else { return }
    self.locations = locations
  }

  /// Allocations a second over about the last second.
  public var allocationRate: Double {
    guard let first = rateWindow.first, let last = rateWindow.last, last.seconds > first.seconds else { return 0 }
    return Double(last.allocations &- first.allocations) / (last.seconds - first.seconds)
  }

  /// The locations in the table's order, at most `limit`.
  public func sortedLocations(limit: Int) -> [LocationSummary.Row] {
    locations?.sorted(by: order, limit: limit) ?? []
  }

  /// The chart: heap and resident size so far, over the time elapsed.
  public var chartInput: LiveChart.Input {
    let points = snapshot.timeline.allPoints.map {
      MemoryChart.Point(milliseconds: $0.milliseconds, heapBytes: $0.maxHeapBytes, residentBytes: $0.residentBytes)
    }
    let peak =
      snapshot.peakHeapBytes > 0
      ? MemoryChart.Peak(bytes: snapshot.peakHeapBytes, milliseconds: Double(snapshot.peakMicroseconds) / 1000) : nil
    return LiveChart.Input(
      points: points, durationMilliseconds: max(snapshot.elapsedSeconds * 1000, points.last?.milliseconds ?? 0),
      peak: peak)
  }

  /// What `key` does.
  public mutating func handle(_ key: Key) -> [LiveCommand] {
    switch key {
    case .character("q"): return [.detach]
    case .character("t"): order = .total
    case .character("o"): order = .own
    case .character("a"): order = .count
    case .character(" "): paused.toggle()
    default: break
    }
    return []
  }
}
