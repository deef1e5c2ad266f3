/// What the memory charts (``MemoryChart``, ``LiveChart``) share: the scale's top and the samples
/// brought down to columns.
enum ChartScale {
  /// The smallest "nice" size at or above `bytes`: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power
  /// of ten, in the unit ``ByteCountText`` would print it in (`3.5 MiB` gives `4.0 MiB`, `812 KiB`
  /// gives `1.0 MiB`). The top of a chart's scale: the same peak always gives the same top, and
  /// small differences between runs do not move it.
  static func niceTop(_ bytes: UInt64) -> UInt64 {
    guard bytes > 1 else { return 1 }
    var unit: UInt64 = 1
    while unit <= UInt64.max / 1024 / 1024 && bytes >= unit * 1024 { unit *= 1024 }
    let value = Double(bytes) / Double(unit)
    var power = 1.0
    while power * 10 <= value { power *= 10 }
    let step = steps.first { $0 * power >= value } ?? 10
    let nice = step * power
    // 1000 KiB and more reads better as the next unit's 1.0.
    if nice >= 1000 && unit * 1024 >= bytes { return unit * 1024 }
    let top = nice * Double(unit)
    return top >= Double(UInt64.max) ? UInt64.max : max(UInt64(top.rounded(.up)), bytes)
  }

  private static let steps: [Double] = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]

  /// The samples of `points` in `columns` columns spanning `span` milliseconds: each column holds
  /// the largest heap (and resident size) of the samples that fall in it, never an average, so no
  /// peak disappears however many samples share a column. A column without a sample repeats the
  /// last one before it (memory stays where it was between samples); columns before the first
  /// sample are nil.
  ///
  /// - Complexity: O(points + columns).
  static func columnMaxima(_ points: [MemoryChart.Point], columns: Int, span: Double)
    -> (heap: [UInt64?], resident: [UInt64?])
  {
    var heap = [UInt64?](repeating: nil, count: max(columns, 0))
    var resident = [UInt64?](repeating: nil, count: max(columns, 0))
    guard columns > 0, !points.isEmpty else { return (heap, resident) }
    for point in points {
      let index = column(of: point.milliseconds, columns: columns, span: span)
      heap[index] = max(heap[index] ?? 0, point.heapBytes)
      if let bytes = point.residentBytes { resident[index] = max(resident[index] ?? 0, bytes) }
    }
    var lastHeap: UInt64?
    var lastResident: UInt64?
    let lastColumn = span > 0 ? columns - 1 : 0
    for index in 0...lastColumn {
      if heap[index] == nil { heap[index] = lastHeap } else { lastHeap = heap[index] }
      if resident[index] == nil { resident[index] = lastResident } else { lastResident = resident[index] }
    }
    return (heap, resident)
  }

  /// The column in which `milliseconds` falls.
  static func column(of milliseconds: Double, columns: Int, span: Double) -> Int {
    let share = span > 0 ? milliseconds / span : 0
    guard share.isFinite else { return 0 }
    return min(max(Int(share * Double(columns)), 0), max(columns - 1, 0))
  }

  /// The largest heap of `points` and the time it was first reached; nil without points.
  static func largestHeap(_ points: [MemoryChart.Point]) -> MemoryChart.Peak? {
    var peak: MemoryChart.Peak?
    for point in points where point.heapBytes > (peak?.bytes ?? 0) || peak == nil {
      peak = MemoryChart.Peak(bytes: point.heapBytes, milliseconds: point.milliseconds)
    }
    return peak
  }
}
