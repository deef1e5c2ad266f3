import TextWidth

/// A small chart of memory over time for the terminal: the heap as a filled area, the resident size
/// as a line of dots, the limit as a horizontal rule (heavier where the heap reaches it). A pure function from samples and a size to cells;
/// `workshop check` prints it, the terminal UI can redraw it as samples arrive.
///
/// ```
/// 1.2 MiB ┤        ▂▄▆███
///         │     ▂▄▆██████
/// 100 KiB ┼──▁▃▅█████████ limit
///       0 └──────────────
///          0 ms      812 ms
/// ```
public enum MemoryChart {
  /// One sample: when, and how much.
  public struct Point: Sendable, Equatable {
    /// Milliseconds since the start of what is charted.
    public var milliseconds: Double
    /// Heap bytes then (the largest reached since the previous point, for a truthful peak).
    public var heapBytes: UInt64
    /// The resident size then, when it is charted too.
    public var residentBytes: UInt64?

    /// A sample as given.
    public init(milliseconds: Double, heapBytes: UInt64, residentBytes: UInt64? = nil) {
      self.milliseconds = milliseconds
      self.heapBytes = heapBytes
      self.residentBytes = residentBytes
    }
  }

  /// The highest the heap went, and when: the exact figure (a region's peak, found from every
  /// event) rather than the largest sample, which can miss it between two samples.
  public struct Peak: Sendable, Equatable {
    /// The peak's bytes.
    public var bytes: UInt64
    /// When it was reached, in milliseconds since the start of what is charted.
    public var milliseconds: Double

    /// A peak as given.
    public init(bytes: UInt64, milliseconds: Double) {
      self.bytes = bytes
      self.milliseconds = milliseconds
    }
  }

  /// What to draw besides the samples.
  public struct Options: Sendable, Equatable {
    /// The limit, drawn as a horizontal rule, when there is one.
    public var limit: UInt64?
    /// The rule's label.
    public var limitLabel: String
    /// The time the chart spans, in milliseconds; nil for up to the last sample.
    public var durationMilliseconds: Double?
    /// The exact peak, which sets the scale and is marked; nil for the largest sample.
    public var peak: Peak?
    /// Colour, Unicode.
    public var capabilities: TerminalCapabilities

    /// Options; by default no limit, plain ASCII.
    public init(
      limit: UInt64? = nil, limitLabel: String = "limit", durationMilliseconds: Double? = nil, peak: Peak? = nil,
      capabilities: TerminalCapabilities = .plain
    ) {
      self.limit = limit
      self.limitLabel = limitLabel
      self.durationMilliseconds = durationMilliseconds
      self.peak = peak
      self.capabilities = capabilities
    }
  }

  /// Draws `points` in `width` columns and `height` rows, the axes and their labels included
  /// (the plot gets `height - 2` rows; at least 1).
  ///
  /// Each column shows the largest heap of the samples that fall in it, never an average (a column
  /// with none repeats the last one before it, as memory stays where it was between samples), and
  /// the peak's column reaches the exact peak, marked above it and labelled on the axis. The
  /// scale's top is the largest of the peak, the resident size and the limit, rounded up to a nice
  /// value, so the limit is always on the chart and the same peak always gives the same scale.
  ///
  /// - Complexity: O(points + width × height).
  public static func render(_ points: [Point], width: Int, height: Int, options: Options = Options()) -> CellGrid {
    let unicode = options.capabilities.unicode
    let colour = options.capabilities.colour
    let plotRows = max(height - 2, 1)
    let peak = options.peak ?? ChartScale.largestHeap(points)
    let heapMax = max(points.map(\.heapBytes).max() ?? 0, peak?.bytes ?? 0)
    let residentMax = points.compactMap(\.residentBytes).max() ?? 0
    let top = ChartScale.niceTop(max(heapMax, residentMax, options.limit ?? 0, 1))
    let topLabel = ByteCountText.describe(top)
    let limitLabel = options.limit.map(ByteCountText.describe)
    let peakLabel = peak.map { ByteCountText.describe($0.bytes) }
    let axisWidth =
      max(DisplayWidth.of(topLabel), DisplayWidth.of(limitLabel ?? ""), DisplayWidth.of(peakLabel ?? ""), 1) + 1
    let trailing = options.limit == nil ? 0 : DisplayWidth.of(options.limitLabel) + 1
    let plotColumns = max(width - axisWidth - 1 - trailing, 1)
    var grid = CellGrid(width: axisWidth + 1 + plotColumns + trailing, height: plotRows + 2)

    // Columns: the largest heap and resident size of the samples that fall in each.
    let duration = max(options.durationMilliseconds ?? points.map(\.milliseconds).max() ?? 0, 0)
    var (heap, resident) = ChartScale.columnMaxima(points, columns: plotColumns, span: duration)
    let peakColumn = peak.map { ChartScale.column(of: $0.milliseconds, columns: plotColumns, span: duration) }
    if let peak, let peakColumn { heap[peakColumn] = max(heap[peakColumn] ?? 0, peak.bytes) }

    // Levels in eighths of a row, from the bottom.
    func eighths(_ bytes: UInt64) -> Int {
      Int((Double(bytes) / Double(top) * Double(plotRows * 8)).rounded())
    }
    let limitRow = options.limit.map { limit in
      plotRows - 1 - min(max(Int(Double(limit) / Double(top) * Double(plotRows) - 0.5), 0), plotRows - 1)
    }
    let blocks: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    let overStyle = colour ? CellStyle(foreground: TerminalColor(203)) : .plain
    let underStyle = colour ? CellStyle(foreground: TerminalColor(114)) : .plain
    let limitStyle = colour ? CellStyle(foreground: TerminalColor(220)) : .plain
    let residentStyle = colour ? CellStyle(foreground: TerminalColor(75)) : .plain
    let x0 = axisWidth + 1
    func peakStyle(_ peak: Peak) -> CellStyle {
      colour
        ? CellStyle(
          foreground: peak.bytes > (options.limit ?? .max) ? TerminalColor(203) : TerminalColor(114), bold: true)
        : .plain
    }
    for column in 0..<plotColumns {
      let level = heap[column].map(eighths) ?? 0
      let over = options.limit.map { (heap[column] ?? 0) > $0 } ?? false
      let residentRow = resident[column].map { bytes in
        plotRows - 1 - min(max(Int(Double(bytes) / Double(top) * Double(plotRows) - 0.5), 0), plotRows - 1)
      }
      for row in 0..<plotRows {
        let fromBottom = plotRows - 1 - row
        let fill = min(max(level - fromBottom * 8, 0), 8)
        var character: Character = " "
        var style = CellStyle.plain
        if fill > 0 {
          character = unicode ? blocks[fill] : (fill >= 4 ? "#" : (fromBottom == 0 || fill >= 2 ? "." : " "))
          style = over ? overStyle : underStyle
        }
        if character == " " && residentRow == row {
          character = unicode ? "·" : "."
          style = residentStyle
        }
        if limitRow == row {
          // The limit stays visible across the heap: a heavier rule where the heap fills the cell.
          character = fill > 0 ? (unicode ? "━" : "=") : (unicode ? "─" : "-")
          style = fill > 0 && over ? overStyle : limitStyle
        }
        grid[row, x0 + column] = Cell(character, style: style)
      }
    }

    // The axis: the top's label, the limit's, 0 at the bottom; the time below.
    let vertical: Character = unicode ? "│" : "|"
    for row in 0..<plotRows { grid[row, axisWidth] = Cell(vertical) }
    func label(_ text: String, row: Int, tick: Character) {
      grid.write(text, row: row, column: axisWidth - 1 - DisplayWidth.of(text))
      grid[row, axisWidth] = Cell(tick)
    }
    label(topLabel, row: 0, tick: unicode ? "┤" : "+")
    if let limitRow, let limitLabel {
      if limitRow != 0 { label(limitLabel, row: limitRow, tick: unicode ? "┼" : "+") }
      grid.write(options.limitLabel, row: limitRow, column: x0 + plotColumns + 1, style: limitStyle)
    }
    // The peak: its value on the axis at the row its column reaches and a mark above the column;
    // at the top row (whose label stays the scale's), a mark on the time axis under the column.
    var peakMarkRow: Int?
    if let peak, let peakLabel, let peakColumn, peak.bytes > 0 {
      let peakRow = plotRows - 1 - (eighths(peak.bytes) - 1) / 8
      if peakRow > 0 && peakRow != limitRow { label(peakLabel, row: peakRow, tick: unicode ? "┤" : "+") }
      peakMarkRow = peakRow > 0 ? peakRow - 1 : plotRows
      if peakRow > 0 {
        grid[peakRow - 1, x0 + peakColumn] = Cell(unicode ? "▲" : "^", style: peakStyle(peak))
      }
    }
    let axisRow = plotRows
    grid.write("0", row: axisRow, column: axisWidth - 2)
    grid[axisRow, axisWidth] = Cell(unicode ? "└" : "+")
    for column in 0..<plotColumns { grid[axisRow, x0 + column] = Cell(unicode ? "─" : "-") }
    if let peak, let peakColumn, peakMarkRow == axisRow {
      grid[axisRow, x0 + peakColumn] = Cell(unicode ? "▲" : "^", style: peakStyle(peak))
    }
    let end = ByteCountText.duration(milliseconds: duration)
    grid.write("0 ms", row: axisRow + 1, column: x0)
    grid.write(end, row: axisRow + 1, column: max(x0 + plotColumns - DisplayWidth.of(end), x0 + 5))
    return grid
  }

}
