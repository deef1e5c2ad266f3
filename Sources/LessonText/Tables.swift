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
    let rows = lines.map { Array($0.text) }
    let width = rows[0].count
    let boundaries = rows[0].indices.filter { rows[0][$0] == "+" }
    let wellFormed =
      rows.count >= 3 && rows.allSatisfy { $0.count == width && ($0.last == "+" || $0.last == "|") }
      && rows.last!.first == "+" && boundaries.count >= 2
    guard wellFormed else {
      report(.error, "Malformed table.", line: start.number)
      return Node(.literalBlock(text: verbatim(lines), language: nil), line: start.number, column: start.column)
    }
    var tableRows: [Node] = []
    var pending: [Int] = []
    var headerDone = !rows.contains { $0.first == "+" && $0.contains("=") }
    for (index, row) in rows.enumerated().dropFirst() {
      if row.first == "+" {
        if !pending.isEmpty {
          tableRows.append(
            gridRow(
              pending.map { lines[$0] }, rows: pending.map { rows[$0] }, boundaries: boundaries, header: !headerDone))
          pending = []
        }
        if row.contains("=") { headerDone = true }
      } else {
        pending.append(index)
      }
    }
    return Node(.table(title: []), line: start.number, column: start.column, children: tableRows)
  }

  private func gridRow(_ lines: [SourceLine], rows: [[Character]], boundaries: [Int], header: Bool) -> Node {
    var cells: [Node] = []
    var cellStart = 0
    for (index, boundary) in boundaries.enumerated().dropFirst() {
      let isEdge = index == boundaries.count - 1
      let isBorder = rows.allSatisfy { $0[boundary] == "|" || $0[boundary] == "+" }
      guard isEdge || isBorder else { continue }
      let from = boundaries[cellStart] + 1
      let cellLines = zip(lines, rows).map { line, row in
        SourceLine(
          text: Substring(String(row[from..<boundary])).trimmingTrailingSpaces, number: line.number,
          offset: line.offset + from)
      }
      let body = parseBody(dedent(cellLines), sections: false)
      cells.append(
        Node(
          .tableCell(columnSpan: index - cellStart), line: lines[0].number, column: lines[0].offset + from + 1,
          children: body))
      cellStart = index
    }
    return Node(.tableRow(header: header), line: lines[0].number, column: lines[0].column, children: cells)
  }

  func dedent(_ lines: [SourceLine]) -> [SourceLine] {
    let indent = lines.filter { !$0.isBlank }.map(\.indent).min() ?? 0
    return lines.map { $0.isBlank ? $0.dropping($0.text.count) : $0.dropping(indent) }
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
