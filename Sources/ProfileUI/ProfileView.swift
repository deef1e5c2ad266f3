import Rendering

/// What the explorer's icicle shows: one of the capture's own selections, or a time the user chose
/// on the chart (memray's `--temporal`).
public enum ProfileView: Sendable, Hashable {
  /// What was alive at the peak.
  case peak
  /// What was still alive at exit.
  case leaks
  /// The temporary allocations (freed before their thread allocated again).
  case temporary
  /// What was alive at a moment, in microseconds.
  case moment(UInt64)
  /// What was allocated within a range (microseconds) and not freed by its end.
  case range(UInt64, UInt64)

  /// The icicle's title: what its bytes are.
  public var title: String {
    switch self {
    case .peak: return "peak memory"
    case .leaks: return "leaked at exit"
    case .temporary: return "temporary allocations"
    case .moment(let microseconds): return "alive at \(Self.time(microseconds))"
    case .range(let from, let to):
      return "allocated from \(Self.time(from)) to \(Self.time(to)), not freed"
    }
  }

  /// The next of peak, leaks and temporary (`v`); a chosen time goes back to the peak.
  var next: ProfileView {
    switch self {
    case .peak: return .leaks
    case .leaks: return .temporary
    case .temporary, .moment, .range: return .peak
    }
  }

  static func time(_ microseconds: UInt64) -> String {
    ByteCountText.duration(milliseconds: Double(microseconds) / 1000)
  }
}
