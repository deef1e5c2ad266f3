import TextWidth

/// What `workshop view` draws over the chart: the markers the program wrote as labelled bands, and
/// the moment or the range the user is choosing.
extension LiveChart {
  /// Bands, a cursor and a range over the plot, in the chart's milliseconds.
  public struct Overlay: Sendable, Equatable {
    /// A marker the program wrote (`workshop_tracker_marker`): its band runs to the next marker's.
    public struct Marker: Sendable, Equatable {
      /// The marker's name.
      public var label: String
      /// When it was written.
      public var milliseconds: Double

      /// A marker as given.
      public init(label: String, milliseconds: Double) {
        self.label = label
        self.milliseconds = milliseconds
      }
    }

    /// The markers, in time order.
    public var markers: [Marker]
    /// The moment the cursor is at, when one is being chosen.
    public var cursorMilliseconds: Double?
    /// The range chosen (or being chosen), from its start to its end.
    public var range: ClosedRange<Double>?

    /// An overlay as given.
    public init(markers: [Marker] = [], cursorMilliseconds: Double? = nil, range: ClosedRange<Double>? = nil) {
      self.markers = markers
      self.cursorMilliseconds = cursorMilliseconds
      self.range = range
    }
  }

  /// Draws `overlay` on the plot of `grid` (its left column, columns and rows), over empty cells
  /// only, so that no sample is hidden: each marker's band a tint of its own (with colour) from its
  /// column to the next marker's, a `┊` rule and its label on the top row; the range tinted; the
  /// cursor a `│` rule.
  static func draw(
    _ overlay: Overlay, on grid: inout CellGrid, plot: (left: Int, columns: Int, rows: Int), span: Double,
    capabilities: TerminalCapabilities
  ) {
    guard plot.columns > 0, plot.rows > 0 else { return }
    let unicode = capabilities.unicode
    func column(_ milliseconds: Double) -> Int {
      plot.left + ChartScale.column(of: milliseconds, columns: plot.columns, span: span)
    }
    func isEmpty(_ row: Int, _ column: Int) -> Bool { grid[row, column].character == " " }
    let end = plot.left + plot.columns

    // The bands: alternate tints behind the plot, a rule at each start, the label beside it.
    // Markers within a column of each other share a band, their names joined.
    var bands: [(start: Int, label: String)] = []
    for marker in overlay.markers.sorted(by: { $0.milliseconds < $1.milliseconds }) {
      let start = column(marker.milliseconds)
      if let last = bands.last, start <= last.start + 1 {
        bands[bands.count - 1].label += "," + marker.label
      } else {
        bands.append((start, marker.label))
      }
    }
    for (index, band) in bands.enumerated() {
      let start = band.start
      let stop = index + 1 < bands.count ? bands[index + 1].start : end
      if capabilities.colour {
        let tint = CellStyle(background: TerminalColor(index % 2 == 0 ? 236 : 238))
        for row in 0..<plot.rows {
          for position in start..<max(stop, start + 1) where position < end {
            grid[row, position].style.background = tint.background
          }
        }
      }
      let ruleStyle = capabilities.colour ? CellStyle(foreground: TerminalColor(180)) : .plain
      for row in 0..<plot.rows where isEmpty(row, start) {
        grid[row, start] = Cell(unicode ? "┊" : ":", style: ruleStyle)
        if capabilities.colour { grid[row, start].style.background = TerminalColor(index % 2 == 0 ? 236 : 238) }
      }
      // The label on the top row, within its band, over empty cells only.
      var position = start + 1
      for character in band.label where position < min(max(stop, start + 2), end) {
        guard DisplayWidth.of(String(character)) == 1, isEmpty(0, position) else { break }
        grid[0, position].character = character
        grid[0, position].style.foreground = ruleStyle.foreground
        grid[0, position].style.bold = capabilities.colour
        position += 1
      }
    }

    // The range: tinted (or, without colour, its empty cells dotted); its ends ruled.
    if let range = overlay.range {
      let first = column(range.lowerBound)
      let last = column(range.upperBound)
      for row in 0..<plot.rows {
        for position in first...max(last, first) where position < end {
          if capabilities.colour {
            grid[row, position].style.background = TerminalColor(24)
          } else if isEmpty(row, position) {
            grid[row, position] = Cell(".")
          }
        }
      }
    }

    // The cursor.
    if let cursor = overlay.cursorMilliseconds {
      let position = column(cursor)
      let style = capabilities.colour ? CellStyle(foreground: TerminalColor(231), bold: true) : .plain
      for row in 0..<plot.rows {
        if isEmpty(row, position) || grid[row, position].character == "." {
          let background = grid[row, position].style.background
          grid[row, position] = Cell(unicode ? "│" : "|", style: style)
          grid[row, position].style.background = background
        } else {
          grid[row, position].style.inverse = true
        }
      }
    }
  }
}
