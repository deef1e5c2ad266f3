import LessonText
import TextWidth

// Lays out tables: cells placed on rows and columns (spans included), column widths, borders.

extension LessonRenderer.Layout {
  // MARK: Tables

  /// A cell placed on the table's grid of rows and columns.
  struct PlacedCell {
    var node: Node?
    var row: Int
    var column: Int
    var rows: Int
    var columns: Int
    var header: Bool
  }

  /// Places each cell at the first column of its row not taken by a cell spanning down from above, as
  /// HTML does; a span that would run into another cell or past the last row is cut short. Slots no cell
  /// covers get an empty cell, so every slot has exactly one owner (`owner[row][column]`, an index into
  /// the cells) and every cell is a rectangle. A column span counts at most 1000 (the widest layout).
  func place(_ rows: [Node]) -> (cells: [PlacedCell], owner: [[Int]], columns: Int) {
    var taken: [[Int?]] = Array(repeating: [], count: rows.count)
    var cells: [PlacedCell] = []
    func isFree(_ row: Int, _ column: Int) -> Bool { column >= taken[row].count || taken[row][column] == nil }
    for (rowIndex, row) in rows.enumerated() {
      let header = { if case .tableRow(true) = row.kind { true } else { false } }()
      var column = 0
      for cell in row.children {
        while !isFree(rowIndex, column) { column += 1 }
        let (spannedColumns, wantRows) = spans(cell)
        let wantColumns = Swift.min(spannedColumns, 1000)
        var width = 1
        while width < wantColumns, isFree(rowIndex, column + width) { width += 1 }
        var height = 1
        while height < wantRows, rowIndex + height < rows.count,
          (column..<(column + width)).allSatisfy({ isFree(rowIndex + height, $0) })
        {
          height += 1
        }
        for r in rowIndex..<(rowIndex + height) {
          while taken[r].count < column + width { taken[r].append(nil) }
          for c in column..<(column + width) { taken[r][c] = cells.count }
        }
        cells.append(
          PlacedCell(node: cell, row: rowIndex, column: column, rows: height, columns: width, header: header))
        column += width
      }
    }
    let columns = taken.map(\.count).max() ?? 0
    var owner: [[Int]] = []
    for (rowIndex, row) in taken.enumerated() {
      owner.append(
        (0..<columns).map { column in
          if column < row.count, let index = row[column] { return index }
          cells.append(PlacedCell(node: nil, row: rowIndex, column: column, rows: 1, columns: 1, header: false))
          return cells.count - 1
        })
    }
    return (cells, owner, columns)
  }

  mutating func table(_ node: Node, title: [Inline], width: Int) -> [Laid] {
    let rows = node.children
    let (cells, owner, columns) = place(rows)
    guard columns > 0, !rows.isEmpty else { return [] }
    let available = Swift.max(columns * 3, width - (3 * columns + 1))
    var natural = Array(repeating: 1, count: columns)
    var minimum = Array(repeating: 1, count: columns)
    // One-column cells first; then a cell spanning columns widens them evenly if they are too narrow for it.
    for cell in cells.filter({ $0.columns == 1 }) + cells.filter({ $0.columns > 1 }) {
      guard let node = cell.node else { continue }
      let lines = blocks(node.children, width: 1000)
      let words = node.children.map(textOf).joined(separator: " ").split(whereSeparator: \.isWhitespace)
      let span = cell.column..<(cell.column + cell.columns)
      let borders = 3 * (cell.columns - 1)
      let naturalShort = (lines.map(\.line.width).max() ?? 0) - natural[span].reduce(0, +) - borders
      let minimumShort = Swift.min(12, words.map(\.displayWidth).max() ?? 1) - minimum[span].reduce(0, +) - borders
      for (offset, column) in span.enumerated() {
        if naturalShort > 0 {
          natural[column] += naturalShort / cell.columns + (offset < naturalShort % cell.columns ? 1 : 0)
        }
        if minimumShort > 0 {
          minimum[column] += minimumShort / cell.columns + (offset < minimumShort % cell.columns ? 1 : 0)
        }
      }
    }
    var widths = natural
    if widths.reduce(0, +) > available {
      let total = natural.reduce(0, +)
      widths = natural.indices.map { Swift.max(minimum[$0], natural[$0] * available / Swift.max(1, total)) }
      while widths.reduce(0, +) > available, let widest = widths.indices.max(by: { widths[$0] < widths[$1] }),
        widths[widest] > 3
      {
        widths[widest] -= 1
      }
    }
    // Each cell's text at its width (a spanning cell takes its columns and the borders between them).
    var text: [[StyledLine]] = []
    var cellWidths: [Int] = []
    for cell in cells {
      let cellWidth = widths[cell.column..<(cell.column + cell.columns)].reduce(0, +) + 3 * (cell.columns - 1)
      var lines = cell.node.map { blocks($0.children, width: cellWidth).map(\.line) } ?? []
      if cell.header { lines = lines.map { restyle($0, CellStyle(bold: true)) } }
      text.append(lines)
      cellWidths.append(cellWidth)
    }
    // Row heights: each one-row cell fits its row; a cell spanning rows flows down through them and the
    // rules between them (which it has none of), and its last row grows if it still does not fit.
    var heights = Array(repeating: 1, count: rows.count)
    for (index, cell) in cells.enumerated() where cell.rows == 1 {
      heights[cell.row] = Swift.max(heights[cell.row], text[index].count)
    }
    for (index, cell) in cells.enumerated() where cell.rows > 1 {
      let room = heights[cell.row..<(cell.row + cell.rows)].reduce(0, +) + cell.rows - 1
      if text[index].count > room { heights[cell.row + cell.rows - 1] += text[index].count - room }
    }
    var starts: [Int] = []
    var y = 1
    for height in heights {
      starts.append(y)
      y += height + 1
    }
    let chars =
      unicode
      ? (h: "─", v: "│", hh: "═", box: ["", "─", "─", "─", "│", "┌", "┐", "┬", "│", "└", "┘", "┴", "│", "├", "┤", "┼"])
      : (h: "-", v: "|", hh: "=", box: ["", "-", "-", "-", "|", "+", "+", "+", "|", "+", "+", "+", "|", "+", "+", "+"])
    let border = style(CellStyle(dim: true))
    /// The border character where lines run right, left, down and up from a corner.
    func junction(right: Bool, left: Bool, down: Bool, up: Bool) -> String {
      chars.box[(right ? 1 : 0) + (left ? 2 : 0) + (down ? 4 : 0) + (up ? 8 : 0)]
    }
    func hasSide(_ row: Int, _ boundary: Int) -> Bool {
      row >= 0 && row < rows.count
        && (boundary == 0 || boundary == columns || owner[row][boundary - 1] != owner[row][boundary])
    }
    /// Whether a rule runs above `row` (below `row - 1`) in `column`.
    func hasRule(_ row: Int, _ column: Int) -> Bool {
      column >= 0 && column < columns && (row == 0 || row == rows.count || owner[row - 1][column] != owner[row][column])
    }
    /// One line of a cell's text, padded to its width between one-space margins.
    func textSpans(_ index: Int, line: Int) -> [StyledSpan] {
      let lines = text[index]
      let styled = line >= 0 && line < lines.count ? lines[line] : StyledLine()
      return [StyledSpan(" ")] + styled.spans + [
        StyledSpan(String(repeating: " ", count: Swift.max(0, cellWidths[index] - styled.width)) + " ")
      ]
    }
    /// A content line of `row`.
    func contentLine(_ row: Int, y: Int) -> Laid {
      var spans: [StyledSpan] = []
      var column = 0
      while column < columns {
        let index = owner[row][column]
        spans.append(StyledSpan(chars.v, border))
        spans += textSpans(index, line: y - starts[cells[index].row])
        column += cells[index].columns
      }
      spans.append(StyledSpan(chars.v, border))
      return Laid(line: StyledLine(spans))
    }
    /// The rule above `row` (`rows.count` for the bottom), with the text of cells spanning across it.
    func ruleLine(_ row: Int, y: Int) -> Laid {
      let fill =
        row > 0 && row < rows.count && cells[owner[row - 1][0]].header && !cells[owner[row][0]].header
        ? chars.hh : chars.h
      var spans: [StyledSpan] = []
      var column = 0
      while column <= columns {
        spans.append(
          StyledSpan(
            junction(
              right: hasRule(row, column), left: hasRule(row, column - 1), down: hasSide(row, column),
              up: hasSide(row - 1, column)), border))
        guard column < columns else { break }
        if hasRule(row, column) {
          spans.append(StyledSpan(String(repeating: fill, count: widths[column] + 2), border))
          column += 1
        } else {
          let index = owner[row][column]
          spans += textSpans(index, line: y - starts[cells[index].row])
          column += cells[index].columns
        }
      }
      return Laid(line: StyledLine(spans))
    }
    var out: [Laid] = []
    if !title.isEmpty { out += wrap(title, width: width).map { Laid(line: restyle($0, CellStyle(bold: true))) } }
    for row in rows.indices {
      out.append(ruleLine(row, y: starts[row] - 1))
      for y in starts[row]..<(starts[row] + heights[row]) { out.append(contentLine(row, y: y)) }
    }
    out.append(ruleLine(rows.count, y: y - 1))
    return out
  }

  /// A cell's column and row spans (at least 1 each).
  func spans(_ cell: Node) -> (columns: Int, rows: Int) {
    if case .tableCell(let columns, let rows) = cell.kind { return (Swift.max(1, columns), Swift.max(1, rows)) }
    return (1, 1)
  }

  func textOf(_ node: Node) -> String {
    if case .paragraph(let inlines) = node.kind { return inlines.collapsedText }
    return node.children.map(textOf).joined(separator: " ")
  }
}
