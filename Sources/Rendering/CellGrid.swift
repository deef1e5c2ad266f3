import TextWidth

/// A rectangle of cells: what every renderer returns and what the terminal UI puts on the screen.
/// Grids compose: a layout draws the grids of its parts into its own at their places. No I/O.
public struct CellGrid: Sendable, Equatable {
  /// Columns.
  public let width: Int
  /// Rows.
  public let height: Int
  private var cells: [Cell]

  /// A grid filled with `cell` (blank by default).
  public init(width: Int, height: Int, filling cell: Cell = .blank) {
    self.width = max(width, 0)
    self.height = max(height, 0)
    cells = Array(repeating: cell, count: self.width * self.height)
  }

  /// A grid of `lines` of plain text, as wide as the widest (at least `width`).
  public init(lines: [String], width: Int = 0, style: CellStyle = .plain) {
    self.init(width: max(width, lines.map(DisplayWidth.of).max() ?? 0), height: lines.count)
    for (row, line) in lines.enumerated() { write(line, row: row, column: 0, style: style) }
  }

  /// `grids` one under the other, as wide as the widest.
  public init(stacking grids: [CellGrid]) {
    self.init(width: grids.map(\.width).max() ?? 0, height: grids.reduce(0) { $0 + $1.height })
    var row = 0
    for grid in grids {
      draw(grid, row: row, column: 0)
      row += grid.height
    }
  }

  /// The cell at `row`, `column` (0-based). Setting it writes the cell as given: a wide character
  /// needs its continuation cell set too (``write(_:row:column:limit:style:)`` does both).
  public subscript(row: Int, column: Int) -> Cell {
    get { cells[row * width + column] }
    set { cells[row * width + column] = newValue }
  }

  // MARK: Writing

  /// Writes `text` from `column` on `row`, at most `limit` columns (to the grid's edge without one);
  /// a wide character that would not fit whole is left out, a combining mark joins the character
  /// before it. Returns the columns written.
  @discardableResult
  public mutating func write(_ text: String, row: Int, column: Int, limit: Int? = nil, style: CellStyle = .plain)
    -> Int
  {
    guard row >= 0 && row < height && column >= 0 && column < width else { return 0 }
    let end = min(width, column + (limit ?? width))
    var position = column
    for character in text {
      let columns = DisplayWidth.of(character)
      guard columns > 0 else {
        if position > column { joinToPrevious(character, row: row, before: position) }
        continue
      }
      guard position + columns <= end else { break }
      self[row, position] = Cell(character, width: columns, style: style)
      if columns == 2 { self[row, position + 1] = .continuation(style) }
      position += columns
    }
    repairWideCharacters(row: row, from: column, to: position)
    return position - column
  }

  /// Gives `columns` cells from `column` on `row` the style `style`, keeping their characters.
  public mutating func paint(row: Int, column: Int, columns: Int, style: CellStyle) {
    guard row >= 0 && row < height else { return }
    let start = max(column, 0)
    let end = min(width, column + columns)
    guard start < end else { return }
    for position in start..<end { self[row, position].style = style }
  }

  /// Fills the rectangle of `width` × `height` cells at `row`, `column` (clipped to the grid) with
  /// `cell`, one column wide.
  public mutating func fill(row: Int, column: Int, width: Int, height: Int, with cell: Cell = .blank) {
    let (top, bottom) = (max(row, 0), min(self.height, row + height))
    let start = max(column, 0)
    let end = min(self.width, column + width)
    guard start < end, top < bottom else { return }
    var single = cell
    single.width = 1
    for y in top..<bottom {
      for x in start..<end { self[y, x] = single }
      repairWideCharacters(row: y, from: start, to: end)
    }
  }

  /// Draws `grid` with its top-left corner at `row`, `column` (either may be negative, or put part
  /// of it past the edges): what falls outside this grid is left out. A wide character cut in two,
  /// here or in what it is drawn over, becomes a blank.
  ///
  /// - Complexity: O(cells drawn), whatever the size of `grid`.
  public mutating func draw(_ grid: CellGrid, row: Int, column: Int) {
    let (top, bottom) = (max(row, 0), min(height, row + grid.height))
    let start = max(column, 0)
    let end = min(width, column + grid.width)
    guard start < end, top < bottom else { return }
    for y in top..<bottom {
      let sourceRow = (y - row) * grid.width - column
      let targetRow = y * width
      for x in start..<end { cells[targetRow + x] = grid.cells[sourceRow + x] }
      // A continuation whose wide character is left of the clip, a wide character whose second
      // half is right of it.
      if cells[targetRow + start].width == 0 {
        cells[targetRow + start] = Cell(" ", style: cells[targetRow + start].style)
      }
      if cells[targetRow + end - 1].width == 2 {
        cells[targetRow + end - 1] = Cell(" ", style: cells[targetRow + end - 1].style)
      }
      repairWideCharacters(row: y, from: start, to: end)
    }
  }

  /// The `width` × `height` part of this grid whose top-left corner is at `row`, `column` (a
  /// window for scrolling); what lies beyond this grid is blank.
  public func window(row: Int, column: Int = 0, width: Int, height: Int) -> CellGrid {
    var window = CellGrid(width: width, height: height)
    window.draw(self, row: -row, column: -column)
    return window
  }

  /// After cells `from..<to` of `row` were overwritten: a wide character just left of them lost its
  /// second half, a continuation just right of them its first half; both become blanks.
  private mutating func repairWideCharacters(row: Int, from: Int, to: Int) {
    guard from < to else { return }
    if from > 0 && self[row, from - 1].width == 2 { self[row, from - 1] = Cell(" ", style: self[row, from - 1].style) }
    if to < width && self[row, to].width == 0 { self[row, to] = Cell(" ", style: self[row, to].style) }
  }

  private mutating func joinToPrevious(_ mark: Character, row: Int, before position: Int) {
    var owner = position - 1
    if owner > 0 && self[row, owner].width == 0 { owner -= 1 }
    // Only a mark that combines (a grapheme cluster of one) joins; a control character is dropped.
    let joined = String(self[row, owner].character) + String(mark)
    if joined.count == 1 { self[row, owner].character = Character(joined) }
  }

  // MARK: Reading

  /// Row `row`'s characters, without trailing blanks.
  public func line(_ row: Int) -> String {
    var line = ""
    let base = row * width
    for column in 0..<width where cells[base + column].width > 0 { line.append(cells[base + column].character) }
    while line.last == " " { line.removeLast() }
    return line
  }

  /// The grid's rows as one string each: the characters only, without trailing blanks.
  public func lines() -> [String] { (0..<height).map(line) }

  /// The characters only, one line a row, each ending with a newline.
  public func plainText() -> String {
    lines().map { $0 + "\n" }.joined()
  }
}
