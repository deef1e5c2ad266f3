extension BlockParser {
  func isGridTableTop(_ text: Substring) -> Bool {
    text.count >= 3 && text.hasPrefix("+-") && text.hasSuffix("+") && text.allSatisfy { $0 == "+" || $0 == "-" }
  }

  func isSimpleTableTop(_ text: Substring) -> Bool {
    guard text.first == "=", text.allSatisfy({ $0 == "=" || $0 == " " }) else { return false }
    return text.split(separator: " ").count >= 2
  }

  // MARK: Grid tables

  func gridTable(_ reader: inout LineReader) -> Node {
    let start = reader.current
    var lines: [SourceLine] = []
    while !reader.isAtEnd, !reader.current.isBlank, reader.current.indent == 0,
      reader.current.text.first == "+" || reader.current.text.first == "|"
    {
      lines.append(reader.current)
      reader.advance()
    }
    var rows = lines.map { Array($0.text) }
    let width = rows[0].count
    let separators = rows.indices.filter { isHeadBodySeparator(rows[$0]) }
    let wellFormed =
      rows.count >= 3 && rows.allSatisfy { $0.count == width && ($0.last == "+" || $0.last == "|") }
      && rows.last!.first == "+" && separators.count <= 1 && separators.first != rows.count - 1
    if let separator = separators.first, wellFormed {
      rows[separator] = rows[separator].map { $0 == "=" ? "-" : $0 }
    }
    guard wellFormed, let grid = GridTableScanner(rows).cells() else {
      report(.error, "Malformed table.", line: start.number)
      return Node(.literalBlock(text: verbatim(lines), language: nil), line: start.number, column: start.column)
    }
    let headerRows = separators.first.flatMap { grid.rowIndex[$0] } ?? 0
    var tableRows: [Node] = []
    let byRow = Dictionary(grouping: grid.cells, by: \.top)
    for (number, top) in grid.rowBoundaries.dropLast().enumerated() {
      let cells = (byRow[top] ?? []).sorted { $0.left < $1.left }.map { cell in
        gridCell(cell, lines: lines, rows: rows, grid: grid)
      }
      let first = lines[top + 1]
      tableRows.append(
        Node(.tableRow(header: number < headerRows), line: first.number, column: first.column, children: cells))
    }
    return Node(.table(title: []), line: start.number, column: start.column, children: tableRows)
  }

  /// `+===+===+`: the line between the header rows and the body.
  private func isHeadBodySeparator(_ row: [Character]) -> Bool {
    row.count >= 3 && row.first == "+" && row.last == "+" && row[1] == "="
      && row.allSatisfy { $0 == "+" || $0 == "=" }
  }

  private func gridCell(
    _ cell: GridTableScanner.Cell, lines: [SourceLine], rows: [[Character]], grid: GridTableScanner.Grid
  )
    -> Node
  {
    let from = cell.left + 1
    let cellLines = (cell.top + 1..<cell.bottom).map { index in
      SourceLine(
        text: Substring(String(rows[index][from..<cell.right])).trimmingTrailingSpaces, number: lines[index].number,
        offset: lines[index].offset + from)
    }
    let first = lines[cell.top + 1]
    return Node(
      .tableCell(
        columnSpan: grid.columnIndex[cell.right]! - grid.columnIndex[cell.left]!,
        rowSpan: grid.rowIndex[cell.bottom]! - grid.rowIndex[cell.top]!),
      line: first.number, column: first.offset + from + 1, children: parseBody(dedent(cellLines), sections: false))
  }

  func dedent(_ lines: [SourceLine]) -> [SourceLine] {
    let indent = lines.filter { !$0.isBlank }.map(\.indent).min() ?? 0
    return lines.map { $0.isBlank ? $0.dropping($0.indent) : $0.dropping(indent) }
  }

  // MARK: Simple tables

  func simpleTable(_ reader: inout LineReader) -> Node {
    let start = reader.current
    let border = start.text
    var columns: [Int] = []
    var previous: Character = " "
    for (index, ch) in border.enumerated() {
      if ch == "=" && previous == " " { columns.append(index) }
      previous = ch
    }
    reader.advance()
    var body: [SourceLine] = []
    var headerEnd: Int?
    var closed = false
    while !reader.isAtEnd {
      let line = reader.current
      if line.indent == 0, isSimpleTableBorder(line.text) {
        reader.advance()
        if reader.isAtEnd || reader.current.isBlank {
          closed = true
          break
        }
        if headerEnd == nil { headerEnd = body.count }
        continue
      }
      body.append(line)
      reader.advance()
    }
    if !closed {
      report(.error, "Malformed table. No bottom table border found.", line: start.number)
    }
    var rows: [Node] = []
    var rowLines: [[SourceLine]] = []
    var rowHeader: [Bool] = []
    for (index, line) in body.enumerated() {
      if line.isBlank { continue }
      if line.text.allSatisfy({ $0 == "-" || $0 == " " }) { continue }
      let firstColumnBlank = line.text.prefix(columns.count > 1 ? columns[1] : line.text.count).allSatisfy { $0 == " " }
      let header = headerEnd.map { index < $0 } ?? false
      if firstColumnBlank, !rowLines.isEmpty, rowHeader.last == header {
        rowLines[rowLines.count - 1].append(line)
      } else {
        rowLines.append([line])
        rowHeader.append(header)
      }
    }
    for (lines, header) in zip(rowLines, rowHeader) {
      var cells: [Node] = []
      for (index, from) in columns.enumerated() {
        let to = index + 1 < columns.count ? columns[index + 1] : Int.max
        let cellLines = lines.map { line -> SourceLine in
          let chars = Array(line.text)
          let lower = Swift.min(from, chars.count)
          let upper = Swift.min(to, chars.count)
          return SourceLine(
            text: Substring(String(chars[lower..<upper])).trimmingTrailingSpaces, number: line.number,
            offset: line.offset + lower)
        }
        cells.append(
          Node(
            .tableCell(columnSpan: 1), line: lines[0].number, column: lines[0].offset + from + 1,
            children: parseBody(dedent(cellLines), sections: false)))
      }
      rows.append(Node(.tableRow(header: header), line: lines[0].number, column: lines[0].column, children: cells))
    }
    return Node(.table(title: []), line: start.number, column: start.column, children: rows)
  }

  private func isSimpleTableBorder(_ text: Substring) -> Bool {
    text.first == "=" && text.allSatisfy { $0 == "=" || $0 == " " }
  }

  // MARK: list-table

  func listTable(_ block: [SourceLine], line: SourceLine) -> Node {
    let parts = parts(of: block, takesArguments: true, line: line.number)
    let headerRows = Int(parts.options.first { $0.name == "header-rows" }?.value ?? "") ?? 0
    let body = parseBody(parts.content, sections: false)
    let title = inlines(parts.arguments, line: line.number)
    guard body.count == 1, case .bulletList = body[0].kind else {
      report(
        .error, "Error parsing content block for the \"list-table\" directive: exactly one bullet list expected.",
        line: line.number)
      return Node(.table(title: title), line: line.number, column: line.column, children: [])
    }
    var rows: [Node] = []
    for (index, item) in body[0].children.enumerated() {
      guard item.children.count == 1, case .bulletList = item.children[0].kind else {
        report(
          .error,
          "Error parsing content block for the \"list-table\" directive: two-level bullet list expected, but row \(index + 1) does not contain a second-level bullet list.",
          line: item.line)
        continue
      }
      let cells = item.children[0].children.map {
        Node(.tableCell(columnSpan: 1), line: $0.line, column: $0.column, children: $0.children)
      }
      rows.append(Node(.tableRow(header: index < headerRows), line: item.line, column: item.column, children: cells))
    }
    return Node(.table(title: title), line: line.number, column: line.column, children: rows)
  }
}

/// Finds the cells of a grid table as docutils' `GridTableParser` does: from each corner still to do, the
/// smallest rectangle bounded by `+` corners, `-` rules and `|` sides; a cell with no rule where its
/// neighbours have one spans those rows (or columns). Work is bounded: each corner scan looks at each
/// character of the table at most once, with the rule checks answered from precomputed runs.
struct GridTableScanner {
  /// One cell: the lines and character columns of its corners.
  struct Cell {
    var top: Int
    var left: Int
    var bottom: Int
    var right: Int
  }

  /// The cells and the row and column boundaries they make.
  struct Grid {
    var cells: [Cell]
    /// Lines that separate rows, in order (the first and last lines included).
    var rowBoundaries: [Int]
    /// Line → row boundary number.
    var rowIndex: [Int: Int]
    /// Character column → column boundary number.
    var columnIndex: [Int: Int]
  }

  let rows: [[Character]]
  let bottom: Int
  let right: Int
  /// How many characters end at (line, column) running left that are all `-` or `+`.
  private var horizontalRun: [[Int]]
  /// How many characters end at (line, column) running up that are all `|` or `+`.
  private var verticalRun: [[Int]]

  init(_ rows: [[Character]]) {
    self.rows = rows
    bottom = rows.count - 1
    right = (rows.first?.count ?? 1) - 1
    horizontalRun = rows.map { row in
      var run = 0
      return row.map { ch in
        run = ch == "-" || ch == "+" ? run + 1 : 0
        return run
      }
    }
    verticalRun = rows.map { Array(repeating: 0, count: $0.count) }
    for line in rows.indices {
      for column in rows[line].indices {
        let ch = rows[line][column]
        let above = line > 0 && column < verticalRun[line - 1].count ? verticalRun[line - 1][column] : 0
        verticalRun[line][column] = ch == "|" || ch == "+" ? above + 1 : 0
      }
    }
  }

  /// The cells, or nil when the grid is malformed (corners that do not line up, cells that do not cover
  /// the table exactly).
  func cells() -> Grid? {
    guard bottom >= 2, right >= 2, rows.allSatisfy({ $0.count == right + 1 }), rows[0][0] == "+" else { return nil }
    var done = Array(repeating: -1, count: right)
    // Corners still to do, kept sorted (top to bottom, then left to right) from `next` on; a new corner
    // always sorts after the one being done.
    var corners = [(0, 0)]
    var next = 0
    func add(_ corner: (Int, Int)) {
      var low = next
      var high = corners.count
      while low < high {
        let middle = (low + high) / 2
        if corners[middle] < corner { low = middle + 1 } else { high = middle }
      }
      if low < corners.count, corners[low] == corner { return }
      corners.insert(corner, at: low)
    }
    var cells: [Cell] = []
    var rowSeparators: Set<Int> = [0]
    var columnSeparators: Set<Int> = [0]
    while next < corners.count {
      let (top, left) = corners[next]
      next += 1
      if top == bottom || left == right || top <= done[left] { continue }
      guard let cell = scan(top: top, left: left) else { continue }
      for column in cell.left..<cell.right {
        guard done[column] == top - 1 else { return nil }
        done[column] = cell.bottom - 1
      }
      for column in cell.left...cell.right where rows[cell.top][column] == "+" || rows[cell.bottom][column] == "+" {
        columnSeparators.insert(column)
      }
      for line in cell.top...cell.bottom where rows[line][cell.left] == "+" || rows[line][cell.right] == "+" {
        rowSeparators.insert(line)
      }
      cells.append(cell)
      add((top, cell.right))
      add((cell.bottom, left))
    }
    guard done.allSatisfy({ $0 == bottom - 1 }) else { return nil }
    let rowBoundaries = rowSeparators.sorted()
    let columnBoundaries = columnSeparators.sorted()
    let rowIndex = Dictionary(uniqueKeysWithValues: rowBoundaries.enumerated().map { ($1, $0) })
    let columnIndex = Dictionary(uniqueKeysWithValues: columnBoundaries.enumerated().map { ($1, $0) })
    // Every slot of the row × column grid belongs to exactly one cell.
    var covered = 0
    for cell in cells {
      guard let top = rowIndex[cell.top], let bottom = rowIndex[cell.bottom], let left = columnIndex[cell.left],
        let right = columnIndex[cell.right]
      else { return nil }
      covered += (bottom - top) * (right - left)
    }
    guard covered == (rowBoundaries.count - 1) * (columnBoundaries.count - 1) else { return nil }
    return Grid(cells: cells, rowBoundaries: rowBoundaries, rowIndex: rowIndex, columnIndex: columnIndex)
  }

  /// The cell whose top-left corner is at (top, left): along the top rule to a `+`, down that side to a
  /// `+` from which a rule runs back to a `+` under the left corner, with an unbroken left side.
  private func scan(top: Int, left: Int) -> Cell? {
    guard rows[top][left] == "+" else { return nil }
    for column in (left + 1)...right {
      let ch = rows[top][column]
      if ch == "+" {
        if let cellBottom = scanDown(top: top, left: left, right: column) {
          return Cell(top: top, left: left, bottom: cellBottom, right: column)
        }
      } else if ch != "-" {
        return nil
      }
    }
    return nil
  }

  private func scanDown(top: Int, left: Int, right column: Int) -> Int? {
    guard top + 1 <= bottom else { return nil }
    for line in (top + 1)...bottom {
      let ch = rows[line][column]
      if ch == "+" {
        // The bottom rule from column - 1 back to left + 1 is all `-`/`+`, with `+` at left; the left side
        // from line - 1 up to top + 1 is all `|`/`+`.
        let ruleOK = column - 1 <= left || horizontalRun[line][column - 1] >= column - 1 - left
        let sideOK = line - 1 <= top || verticalRun[line - 1][left] >= line - 1 - top
        if rows[line][left] == "+", ruleOK, sideOK { return line }
      } else if ch != "|" {
        return nil
      }
    }
    return nil
  }
}
