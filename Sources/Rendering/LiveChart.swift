import TextWidth

/// The memory chart of a check while it runs (and once it has run), for the course screen: the heap
/// as an area filled from the bottom in Braille dots (2 × 4 a cell, as btop draws), the resident
/// size as dots of another colour, the limit as a labelled rule, the peak marked, and a legend line.
/// A pure function of plain values; cheap enough to redraw ten times a second.
///
/// ```
///   4.0 MiB ┤                          ▲
///           │                       ⢰⣶⣶⣶⣶
///           │                   ⢠⣤⣤⣤⣼⣿⣿⣿⣿
///           │             ⣀⣀⣀⣀⣀⣀⣸⣿⣿⣿⣿⣿⣿⣿⣿
/// 100.0 KiB ┼──━━━━━━━━━━━━━━━━━━━━━━━━━━──────────────
///         0 └0 ms                                300 ms
/// peak 3.5 MiB at 120 ms · limit 100.0 KiB · over by 3.4 MiB, first at 10 ms
/// ```
public enum LiveChart {
  /// The highest the heap went, and when.
  public typealias Peak = MemoryChart.Peak

  /// What the chart shows.
  public struct Input: Sendable, Equatable {
    /// The samples, oldest first (heap, and resident size when it is charted).
    public var points: [MemoryChart.Point]
    /// The span of the time axis in milliseconds; nil for up to the last point. While the run goes
    /// on, the caller passes the time elapsed so far, so that the chart grows with it.
    public var durationMilliseconds: Double?
    /// The limit, drawn as a labelled horizontal rule.
    public var limit: UInt64?
    /// The exact peak (the region's, from the events, not the samples): it sets the scale and is
    /// marked. Nil: the largest sample.
    public var peak: Peak?
    /// Another run's heap (the exercise's reference solution), drawn as a faint curve behind this
    /// one on the same time axis; empty: none.
    public var reference: [MemoryChart.Point] = []
    /// Marker bands, a cursor and a chosen range drawn over the plot (`workshop view`); nil for none.
    public var overlay: Overlay?

    /// An input as given.
    public init(
      points: [MemoryChart.Point], durationMilliseconds: Double? = nil, limit: UInt64? = nil, peak: Peak? = nil,
      reference: [MemoryChart.Point] = []
    ) {
      self.reference = reference
      self.points = points
      self.durationMilliseconds = durationMilliseconds
      self.limit = limit
      self.peak = peak
    }
  }

  /// How the heap is drawn.
  public enum Glyphs: Sendable {
    /// Braille dots, 2 columns × 4 rows a cell.
    case braille
    /// Eighth blocks `▁▂▃▄▅▆▇█`, one column a cell.
    case blocks
    /// `#` for the heap, `.` for the resident size.
    case ascii
  }

  /// Draws `input` in exactly `width` × `height` cells: the plot with its byte axis on the left, the
  /// time axis under it and a legend line at the bottom (the legend, then the time axis, are left
  /// out below 3 rows).
  ///
  /// Each column keeps the largest sample of its interval, never an average, and the peak's column
  /// reaches the exact peak. The scale's top is the peak, the limit and the resident size (when
  /// charted), whichever is largest, rounded up to a nice value: the same peak always gives the
  /// same scale. `glyphs` nil: Braille when the terminal has Unicode, ASCII otherwise.
  ///
  /// - Complexity: O(points + width × height).
  public static func render(
    _ input: Input, width: Int, height: Int, capabilities: TerminalCapabilities, glyphs: Glyphs? = nil
  ) -> CellGrid {
    let width = max(width, 1)
    let height = max(height, 1)
    let glyphs = glyphs ?? (capabilities.unicode ? .braille : .ascii)
    let unicode = capabilities.unicode
    let legendRows = height >= 3 ? 1 : 0
    let timeRows = height >= 2 ? 1 : 0
    let plotRows = height - legendRows - timeRows
    var grid = CellGrid(width: width, height: height)

    // The scale.
    let points = input.points
    let peak = input.peak ?? ChartScale.largestHeap(points)
    let largestSample = points.lazy.map(\.heapBytes).max() ?? 0
    let largestResident = points.lazy.compactMap(\.residentBytes).max()
    let largestReference = input.reference.lazy.map(\.heapBytes).max() ?? 0
    let top = ChartScale.niceTop(
      max(peak?.bytes ?? 0, largestSample, largestResident ?? 0, input.limit ?? 0, largestReference, 1))
    let topLabel = ByteCountText.describe(top)
    let limitLabel = input.limit.map(ByteCountText.describe)
    var labelWidth = max(DisplayWidth.of(topLabel), DisplayWidth.of(limitLabel ?? ""))
    if width - labelWidth - 2 < 4 { labelWidth = 0 }  // too narrow for labels: the plot alone
    let axisColumn = labelWidth == 0 ? 0 : labelWidth + 1
    let plotLeft = axisColumn + 1
    let plotColumns = max(width - plotLeft, 0)
    let span = max(input.durationMilliseconds ?? points.last?.milliseconds ?? 0, 0)

    // The columns: at the glyphs' own resolution (Braille has two dot columns a cell).
    let (subColumns, subRows) =
      switch glyphs {
      case .braille: (2, 4)
      case .blocks: (1, 8)
      case .ascii: (1, 1)
      }
    let dotColumns = plotColumns * subColumns
    let dotRows = plotRows * subRows
    var (heap, resident) = ChartScale.columnMaxima(points, columns: dotColumns, span: span)
    if let peak, dotColumns > 0 {
      // The samples may miss the exact peak between two of them: its column reaches it.
      let column = ChartScale.column(of: peak.milliseconds, columns: dotColumns, span: span)
      heap[column] = max(heap[column] ?? 0, peak.bytes)
    }
    func level(_ bytes: UInt64) -> Int {
      guard bytes > 0 else { return 0 }
      return min(max(Int((Double(bytes) / Double(top) * Double(dotRows)).rounded()), 1), dotRows)
    }
    let heapLevels = heap.map { $0.map(level) ?? 0 }
    // The reference's curve: the top of its heap in each column, where it had a sample.
    let referenceLevels =
      input.reference.isEmpty
      ? [] : ChartScale.columnMaxima(input.reference, columns: dotColumns, span: span).heap.map { $0.map(level) }
    let residentLevels = resident.map { $0.map(level) ?? 0 }

    // The limit's row and whether the heap went over it.
    let limitRow = input.limit.map { limit in
      plotRows - 1 - min(max(Int(Double(limit) / Double(top) * Double(plotRows) - 0.5), 0), max(plotRows - 1, 0))
    }
    let crossed = input.limit.map { (peak?.bytes ?? 0) > $0 } ?? false
    let styles = Styles(capabilities: capabilities, crossed: crossed)

    // The plot.
    for row in 0..<plotRows {
      let fromBottom = plotRows - 1 - row
      for column in 0..<plotColumns {
        var cell = Cell(" ")
        var hasHeap = false
        var columnBytes: UInt64 = 0
        switch glyphs {
        case .braille:
          var heapBits = 0
          var residentBits = 0
          for sub in 0..<2 {
            let dotColumn = column * 2 + sub
            columnBytes = max(columnBytes, heap[dotColumn] ?? 0)
            heapBits |= Braille.fill[sub][min(max(heapLevels[dotColumn] - fromBottom * 4, 0), 4)]
            let dot = residentLevels[dotColumn] - 1 - fromBottom * 4
            if dot >= 0 && dot < 4 { residentBits |= Braille.dot[sub][dot] }
          }
          hasHeap = heapBits != 0
          if heapBits | residentBits != 0 {
            cell = Cell(Braille.character(heapBits | residentBits), style: hasHeap ? styles.heap : styles.resident)
          }
        case .blocks:
          columnBytes = heap[column] ?? 0
          let fill = min(max(heapLevels[column] - fromBottom * 8, 0), 8)
          hasHeap = fill > 0
          if hasHeap {
            cell = Cell(blockCharacters[fill], style: styles.heap)
          } else if residentLevels[column] > 0 && (residentLevels[column] - 1) / 8 == fromBottom {
            cell = Cell("·", style: styles.resident)
          }
        case .ascii:
          columnBytes = heap[column] ?? 0
          hasHeap = heapLevels[column] > fromBottom
          if hasHeap {
            cell = Cell("#", style: styles.heap)
          } else if residentLevels[column] - 1 == fromBottom {
            cell = Cell(".", style: styles.resident)
          }
        }
        if cell.character == " " && !referenceLevels.isEmpty {
          cell = referenceCell(referenceLevels, column: column, fromBottom: fromBottom, glyphs: glyphs) ?? cell
          if cell.character != " " { cell.style = styles.reference }
        }
        if let limit = input.limit, let limitRow {
          let over = columnBytes > limit
          if hasHeap && (row < limitRow || (row == limitRow && over)) { cell.style = styles.over }
          if row == limitRow {
            if !hasHeap {
              cell = Cell(unicode ? "─" : "-", style: styles.limit)
            } else if over {
              // The rule stays visible across the heap: heavier where the heap went over it.
              cell = Cell(unicode ? "━" : "=", style: styles.limit)
            } else if glyphs == .braille, let bits = cell.character.unicodeScalars.first?.value {
              // Under the limit: the rule goes on as dots at the limit's own height.
              let dot = min(max(Int(Double(limit) / Double(top) * Double(dotRows)) - fromBottom * 4, 0), 3)
              cell.character = Braille.character(Int(bits) - 0x2800 | Braille.dot[0][dot] | Braille.dot[1][dot])
            }
          }
        }
        grid[row, plotLeft + column] = cell
      }
    }

    // The byte axis.
    if labelWidth > 0 {
      for row in 0..<plotRows { grid[row, axisColumn] = Cell(unicode ? "│" : "|", style: styles.axis) }
      grid.write(topLabel, row: 0, column: labelWidth - DisplayWidth.of(topLabel), style: styles.axis)
      grid[0, axisColumn] = Cell(unicode ? "┤" : "+", style: styles.axis)
      if let limitRow, let limitLabel, limitRow != 0 {
        grid.write(limitLabel, row: limitRow, column: labelWidth - DisplayWidth.of(limitLabel), style: styles.limit)
        grid[limitRow, axisColumn] = Cell(unicode ? "┼" : "+", style: styles.axis)
      }
    }

    // The time axis, and the peak's mark: above its column, or under it when the peak is at the top.
    var markerRow: Int?
    var markerColumn = 0
    if let peak, peak.bytes > 0, plotColumns > 0 {
      markerColumn = plotLeft + ChartScale.column(of: peak.milliseconds, columns: plotColumns, span: span)
      let topRow = plotRows - 1 - (level(peak.bytes) - 1) / subRows
      markerRow = topRow >= 1 ? topRow - 1 : (timeRows > 0 ? plotRows : nil)
    }
    if timeRows > 0 {
      let row = plotRows
      if labelWidth > 0 {
        grid.write("0", row: row, column: labelWidth - 1, style: styles.axis)
        grid[row, axisColumn] = Cell(unicode ? "└" : "+", style: styles.axis)
      }
      // "0 ms" under the plot's start, the span under its end; a label that would cover the peak's
      // mark moves to its left (or is left out).
      let mark = markerRow == row ? markerColumn : nil
      func clear(_ column: Int, _ text: String) -> Bool {
        guard column >= plotLeft, column + DisplayWidth.of(text) <= width else { return false }
        return mark.map { $0 < column || $0 >= column + DisplayWidth.of(text) } ?? true
      }
      let end = ByteCountText.duration(milliseconds: span)
      var endColumn: Int? = width - DisplayWidth.of(end)
      if let column = endColumn, !clear(column, end) {
        endColumn = mark.map { $0 - DisplayWidth.of(end) }.flatMap { clear($0, end) ? $0 : nil }
      }
      if let endColumn { grid.write(end, row: row, column: endColumn, style: styles.axis) }
      let start = "0 ms"
      if clear(plotLeft, start) && plotLeft + DisplayWidth.of(start) < (endColumn ?? width + 1) {
        grid.write(start, row: row, column: plotLeft, style: styles.axis)
      }
    }
    if let overlay = input.overlay {
      draw(overlay, on: &grid, plot: (plotLeft, plotColumns, plotRows), span: span, capabilities: capabilities)
    }
    if let markerRow {
      grid[markerRow, markerColumn] = Cell(unicode ? "▲" : "*", style: styles.peak)
    }

    // The legend.
    if legendRows > 0 {
      let parts = legend(input, peak: peak, largestResident: largestResident, styles: styles)
      let separator = unicode ? " · " : "; "
      var column = 0
      for (index, part) in parts.enumerated() {
        let prefix = index == 0 ? "" : separator
        var text = prefix + part.text
        if column + DisplayWidth.of(text) > width, let short = part.short { text = prefix + short }
        // A part that does not fit is left out (a later, shorter one may); the first is cut.
        if column + DisplayWidth.of(text) > width {
          guard index == 0 else { continue }
          text = DisplayWidth.truncate(text, to: width, ellipsis: unicode ? "…" : "..")
        }
        if index > 0 { column += grid.write(separator, row: height - 1, column: column) }
        column += grid.write(
          String(text.dropFirst(index > 0 ? separator.count : 0)), row: height - 1, column: column, style: part.style)
      }
    }
    return grid
  }

  /// The faint curve of the reference run in one empty cell: a Braille dot at the top of its heap
  /// in each of the cell's dot columns, or `~` a cell (`glyphs` without Braille).
  private static func referenceCell(_ levels: [Int?], column: Int, fromBottom: Int, glyphs: Glyphs) -> Cell? {
    switch glyphs {
    case .braille:
      var bits = 0
      for sub in 0..<2 {
        guard let level = levels[column * 2 + sub] else { continue }
        let dot = max(level, 1) - 1 - fromBottom * 4
        if dot >= 0 && dot < 4 { bits |= Braille.dot[sub][dot] }
      }
      return bits == 0 ? nil : Cell(Braille.character(bits))
    case .blocks, .ascii:
      let rows = glyphs == .blocks ? 8 : 1
      guard let level = levels[column], (max(level, 1) - 1) / rows == fromBottom else { return nil }
      return Cell("~")
    }
  }

  /// The legend's parts, most important first: the peak, the limit, how far over or under, when it
  /// first went over, the largest resident size.
  private static func legend(_ input: Input, peak: Peak?, largestResident: UInt64?, styles: Styles)
    -> [LegendPart]
  {
    guard let peak else { return [LegendPart("no samples yet")] }
    let peakText = "peak \(ByteCountText.describe(peak.bytes))"
    var parts = [
      LegendPart(
        "\(peakText) at \(ByteCountText.duration(milliseconds: peak.milliseconds))", short: peakText)
    ]
    if let limit = input.limit {
      parts.append(LegendPart("limit \(ByteCountText.describe(limit))"))
      if peak.bytes > limit {
        let over = "over by \(ByteCountText.describe(peak.bytes - limit))"
        let crossing = input.points.first { $0.heapBytes > limit }?.milliseconds ?? peak.milliseconds
        let first = ByteCountText.duration(milliseconds: min(crossing, peak.milliseconds))
        parts.append(LegendPart("\(over), first at \(first)", short: over, style: styles.over))
      } else {
        parts.append(LegendPart("headroom \(ByteCountText.describe(limit - peak.bytes))"))
      }
    }
    if !input.reference.isEmpty {
      let largest = input.reference.lazy.map(\.heapBytes).max() ?? 0
      parts.append(
        LegendPart(
          "solution's peak \(ByteCountText.describe(largest)) (faint)", short: "solution faint", style: styles.reference
        ))
    }
    if let largestResident {
      parts.append(LegendPart("resident \(ByteCountText.describe(largestResident))", style: styles.resident))
    }
    return parts
  }

  /// A part of the legend, with a shorter form for narrow charts.
  private struct LegendPart {
    var text: String
    var short: String?
    var style: CellStyle

    init(_ text: String, short: String? = nil, style: CellStyle = .plain) {
      self.text = text
      self.short = short
      self.style = style
    }
  }

  /// The chart's colours: none without colour (`NO_COLOR`, pipes).
  private struct Styles {
    var heap = CellStyle.plain
    var over = CellStyle.plain
    var resident = CellStyle.plain
    var limit = CellStyle.plain
    var peak = CellStyle.plain
    var axis = CellStyle.plain
    var reference = CellStyle.plain

    init(capabilities: TerminalCapabilities, crossed: Bool) {
      guard capabilities.colour else { return }
      heap = CellStyle(foreground: TerminalColor(114))
      over = CellStyle(foreground: TerminalColor(203))
      resident = CellStyle(foreground: TerminalColor(75))
      limit = CellStyle(foreground: crossed ? TerminalColor(196) : TerminalColor(220), bold: crossed)
      peak = CellStyle(foreground: crossed ? TerminalColor(203) : TerminalColor(114), bold: true)
      axis = CellStyle(foreground: TerminalColor(245))
      reference = CellStyle(foreground: TerminalColor(244), dim: true)
    }
  }

  private static let blockCharacters: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

  /// Braille patterns (U+2800 plus a bit a dot): dots 1, 2, 3, 7 are the left column from the top,
  /// 4, 5, 6, 8 the right.
  private enum Braille {
    /// The bits of the lowest `n` dots of a column (left, right), for n = 0...4.
    static let fill: [[Int]] = [[0, 0x40, 0x44, 0x46, 0x47], [0, 0x80, 0xA0, 0xB0, 0xB8]]
    /// The bit of the dot `n` up from the bottom of a column (left, right), n = 0...3.
    static let dot: [[Int]] = [[0x40, 0x04, 0x02, 0x01], [0x80, 0x20, 0x10, 0x08]]

    static func character(_ bits: Int) -> Character {
      Character(Unicode.Scalar(UInt32(0x2800 + bits))!)
    }
  }
}
