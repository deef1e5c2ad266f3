import Foundation

/// How the screen kept up while a check ran: each frame's time to render and draw, and the age of
/// the live data it showed. `workshop start` writes one line of these per check to the file named
/// by `WORKSHOP_START_STATS` (Benchmarks/start.sh reads it).
struct FrameStatistics {
  private var drawSeconds: [Double] = []
  private var dataAges: [Double] = []
  private var first: Double?
  private var last: Double?

  /// Counts a frame drawn at `time` that took `seconds`, showing data `age` seconds old.
  mutating func record(at time: Double, seconds: Double, age: Double?) {
    first = first ?? time
    last = time
    drawSeconds.append(seconds)
    if let age { dataAges.append(age) }
  }

  /// Whether no frame was recorded.
  var isEmpty: Bool { drawSeconds.isEmpty }

  /// `frames 42 over 3.01 s (13.9/s); render+draw median 1.20 ms, max 3.40 ms; data age median 31 ms, max 68 ms`.
  var summary: String {
    let span = (last ?? 0) - (first ?? 0)
    let rate = span > 0 ? Double(drawSeconds.count - 1) / span : 0
    return String(
      format: "frames %d over %.2f s (%.1f/s); render+draw median %.2f ms, max %.2f ms; "
        + "data age median %.0f ms, max %.0f ms",
      drawSeconds.count, span, rate, Self.median(drawSeconds) * 1000, (drawSeconds.max() ?? 0) * 1000,
      Self.median(dataAges) * 1000, (dataAges.max() ?? 0) * 1000)
  }

  static func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
  }
}
