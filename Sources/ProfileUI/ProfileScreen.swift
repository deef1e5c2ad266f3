import MemoryAnalysis
import Symbols
import Rendering
import TextWidth
import WorkshopKit

/// Draws the explorer and the live screen into grids the size of the screen: pure functions of
/// ``ProfileExplorerState`` and ``LiveProfileState``, tested against expected text.
public enum ProfileScreen {
  /// The smallest screen drawn; below it, one line says so.
  public static let minimumSize = (width: 60, height: 16)

  // MARK: - The explorer

  /// The explorer: heading, chart (with markers, cursor, range), the line of the mode, the icicle,
  /// and the keys.
  public static func render(_ state: ProfileExplorerState) -> CellGrid {
    guard var grid = screen(width: state.width, height: state.height, capabilities: state.capabilities) else {
      return tooSmall(width: state.width, height: state.height, capabilities: state.capabilities)
    }
    let capabilities = state.capabilities
    let separator = capabilities.unicode ? " · " : "; "
    grid.write(state.heading, row: 0, column: 0, limit: state.width, style: bold(capabilities))
    let chartRows = max(6, state.height * 2 / 5)
    var chart = state.chart
    chart.overlay = state.overlay
    grid.draw(
      LiveChart.render(chart, width: state.width, height: chartRows, capabilities: capabilities), row: 1, column: 0)

    // The mode's line.
    let modeRow = 1 + chartRows
    var modeLine: String
    switch state.mode {
    case .choosingTime:
      let cursor = ByteCountText.duration(milliseconds: state.cursorMilliseconds)
      if let start = state.rangeStart {
        let (from, to) = (min(start, state.cursorMilliseconds), max(start, state.cursorMilliseconds))
        modeLine =
          "range \(ByteCountText.duration(milliseconds: from)) to \(ByteCountText.duration(milliseconds: to))"
          + "\(separator)Enter: allocated in it and not freed\(separator)space: a moment instead"
      } else {
        modeLine = "moment \(cursor)\(separator)Enter: what was alive then\(separator)space: start a range here"
      }
      modeLine += "\(separator)←→ [ ] Home End m move\(separator)Esc back"
    case .searching:
      modeLine =
        "search: \(state.searchText)\(capabilities.unicode ? "▏" : "_")\(separator)Enter keeps it\(separator)Esc clears it"
    case .exploring:
      modeLine = "showing \(state.view.title)"
      if !state.searchText.isEmpty {
        let quoted = capabilities.unicode ? "“\(state.searchText)”" : "\"\(state.searchText)\""
        modeLine += "\(separator)search \(quoted)"
      }
    }
    // A note (an icicle being read, or why it could not be) stands in for "showing …"; the search's
    // and the time cursor's lines stay, so that what is typed is seen while a moment is read.
    if let note = state.note, state.mode == .exploring { modeLine = note }
    grid.write(
      modeLine, row: modeRow, column: 0, limit: state.width,
      style: capabilities.colour ? CellStyle(foreground: TerminalColor(75), bold: true) : .plain)

    // The icicle.
    let icicleRow = modeRow + 1
    let icicleRows = state.height - icicleRow - 1
    if let explorer = state.explorer, icicleRows > 0 {
      grid.draw(
        explorer.render(width: state.width, height: icicleRows, capabilities: capabilities), row: icicleRow, column: 0)
    }

    // The keys.
    let keys =
      state.mode == .exploring
      ? [
        "p peak", "l leaks", "t temporary", "/ search", "c choose a time", "arrows move", "Enter zoom", "N runtime",
        "q quit",
      ]
      : state.mode == .searching
        ? ["type to search", "Enter keep", "Esc clear"] : ["Enter show", "Esc back", "q quit"]
    grid.write(
      keys.joined(separator: separator), row: state.height - 1, column: 0, limit: state.width, style: dim(capabilities))
    return grid
  }

  // MARK: - The live screen

  /// The live screen: heading, figures, chart, the table of top locations, the keys.
  public static func render(_ state: LiveProfileState) -> CellGrid {
    guard var grid = screen(width: state.width, height: state.height, capabilities: state.capabilities) else {
      return tooSmall(width: state.width, height: state.height, capabilities: state.capabilities)
    }
    let capabilities = state.capabilities
    let separator = capabilities.unicode ? " · " : "; "
    let snapshot = state.snapshot
    grid.write(state.heading, row: 0, column: 0, limit: state.width, style: bold(capabilities))
    var figures = [
      "\(snapshot.phase == .running || snapshot.phase == .starting ? "running" : "ended at") "
        + ByteCountText.duration(milliseconds: snapshot.elapsedSeconds * 1000),
      "heap \(ByteCountText.describe(snapshot.heapBytes))",
      "peak \(ByteCountText.describe(snapshot.peakHeapBytes))",
      "\(ByteCountText.grouped(UInt64(state.allocationRate.rounded()))) allocations/s",
      "\(ByteCountText.grouped(snapshot.allocations)) in all",
      "resident \(ByteCountText.describe(snapshot.residentBytes))",
    ]
    if state.paused { figures.insert("PAUSED (space resumes)", at: 0) }
    grid.write(
      figures.joined(separator: separator), row: 1, column: 0, limit: state.width,
      style: state.paused && capabilities.colour ? CellStyle(foreground: TerminalColor(220), bold: true) : .plain)

    let chartRows = max(6, (state.height - 4) / 2)
    grid.draw(
      LiveChart.render(state.chartInput, width: state.width, height: chartRows, capabilities: capabilities), row: 2,
      column: 0)

    // The table.
    var row = 2 + chartRows
    let orderName =
      switch state.order {
      case .total: "total"
      case .own: "own"
      case .count: "allocations"
      }
    grid.write(
      "top locations of what is alive now, by \(orderName)\(separator)t total\(separator)o own\(separator)a allocations",
      row: row, column: 0, limit: state.width, style: bold(capabilities))
    row += 1
    let header = pad("total", 10) + pad("own", 10) + pad("allocs", 9) + "  location"
    grid.write(header, row: row, column: 0, limit: state.width, style: dim(capabilities))
    row += 1
    let rows = state.sortedLocations(limit: max(state.height - row - 1, 0))
    if rows.isEmpty {
      grid.write(
        snapshot.allocations == 0 ? "nothing allocated yet" : "naming the frames…", row: row, column: 2,
        style: dim(capabilities))
    }
    for location in rows {
      let label =
        location.frame.sourceLocation.map { "\(location.frame.functionName) (\($0))" }
        ?? location.frame.functionName
      let line =
        pad(ByteCountText.describe(location.totalBytes), 10) + pad(ByteCountText.describe(location.ownBytes), 10)
        + pad(ByteCountText.grouped(location.count), 9) + "  "
      grid.write(line, row: row, column: 0)
      grid.write(
        DisplayWidth.truncate(label, to: max(state.width - DisplayWidth.of(line), 1), ellipsis: "…"), row: row,
        column: DisplayWidth.of(line))
      row += 1
    }

    let keys = ["space pause", "t/o/a sort", "q detach (the program goes on)", "Ctrl-C stop it"]
    grid.write(
      keys.joined(separator: separator), row: state.height - 1, column: 0, limit: state.width, style: dim(capabilities))
    return grid
  }

  // MARK: - Helpers

  private static func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(width - DisplayWidth.of(text), 0)) + text
  }

  /// A blank grid of the screen's size, nil when the screen is smaller than ``minimumSize``.
  private static func screen(width: Int, height: Int, capabilities: TerminalCapabilities) -> CellGrid? {
    guard width >= minimumSize.width, height >= minimumSize.height else { return nil }
    return CellGrid(width: width, height: height)
  }

  private static func tooSmall(width: Int, height: Int, capabilities: TerminalCapabilities) -> CellGrid {
    var grid = CellGrid(width: max(width, 1), height: max(height, 1))
    let times = capabilities.unicode ? "×" : "x"
    grid.write(
      "workshop needs at least \(minimumSize.width)\(times)\(minimumSize.height).", row: 0, column: 0,
      limit: grid.width)
    return grid
  }

  private static func bold(_ capabilities: TerminalCapabilities) -> CellStyle {
    capabilities.colour ? CellStyle(bold: true) : .plain
  }

  private static func dim(_ capabilities: TerminalCapabilities) -> CellStyle {
    capabilities.colour ? CellStyle(dim: true) : .plain
  }
}
