import LessonText

/// Lays a lesson's tree out for a given width as styled lines. No I/O.
public struct LessonRenderer: Sendable {
  /// What the renderer needs to know besides the tree.
  public struct Options: Sendable {
    /// Columns available.
    public var width: Int
    /// Colour, Unicode and hyperlinks.
    public var mode: LessonOutputMode
    /// Show hints, solutions and `<details>` blocks expanded.
    public var reveal: Bool
    /// The command that reveals hint N, without N: hint N is shown as "reveal with `\(hintCommand) N`".
    /// Nil derives `workshop hint EXERCISE` from the lesson's exercise.
    public var hintCommand: String?
    /// The command that shows the lesson with solutions and `<details>` blocks expanded, if any.
    public var revealCommand: String?

    /// Makes options.
    public init(
      width: Int = 80, mode: LessonOutputMode = .plain, reveal: Bool = false, hintCommand: String? = nil,
      revealCommand: String? = nil
    ) {
      self.width = width
      self.mode = mode
      self.reveal = reveal
      self.hintCommand = hintCommand
      self.revealCommand = revealCommand
    }
  }

  /// The options used.
  public var options: Options

  /// Makes a renderer.
  public init(options: Options) { self.options = options }

  /// Renders a whole document.
  public func render(_ document: LessonDocument) -> LessonRendering {
    var context = Context(options: options, exercise: document.exercise)
    let lines = context.blocks(document.root.children, width: Swift.max(20, options.width))
    let headings = lines.indices.filter { lines[$0].heading }
    return LessonRendering(lines: lines.map(\.line), headingLines: headings)
  }
}

/// A line while laying out, tagged when it is a heading.
private struct Laid {
  var line: StyledLine
  var heading = false
}

private struct Context {
  let options: LessonRenderer.Options
  let exercise: String?

  init(options: LessonRenderer.Options, exercise: String?) {
    self.options = options
    self.exercise = exercise
  }

  var unicode: Bool { options.mode.unicode }
  var color: Bool { options.mode.color }

  func style(_ style: CellStyle) -> CellStyle { color ? style : .plain }

  // MARK: Blocks

  mutating func blocks(_ nodes: [Node], width: Int, compact: Bool = false) -> [Laid] {
    var out: [Laid] = []
    for node in nodes {
      var lines = block(node, width: width)
      guard !lines.isEmpty else { continue }
      if !out.isEmpty && !compact { out.append(Laid(line: StyledLine())) }
      out.append(contentsOf: lines)
      lines.removeAll()
    }
    return out
  }

  mutating func block(_ node: Node, width: Int) -> [Laid] {
    switch node.kind {
    case .document: return blocks(node.children, width: width)
    case .section(let title, let level): return section(title, level: level, children: node.children, width: width)
    case .paragraph(let inlines): return wrap(inlines, width: width).map { Laid(line: $0) }
    case .bulletList(let bullet):
      let marker = unicode ? (bullet == "-" ? "•" : bullet == "*" ? "◦" : "▪") : String(bullet)
      return list(node.children, markers: Array(repeating: marker, count: node.children.count), width: width)
    case .enumeratedList(let enumeration, let format, let start):
      let markers = node.children.indices.map { label(start + $0, enumeration, format) }
      return list(node.children, markers: markers, width: width)
    case .listItem: return blocks(node.children, width: width)
    case .definitionList: return blocks(node.children, width: width, compact: false)
    case .definitionListItem(let term, let classifiers):
      var head: [Inline] = [.strong(term)]
      for classifier in classifiers { head += [.text(" : "), .emphasis(classifier)] }
      let termLines = wrap(head, width: width).map { Laid(line: $0) }
      return termLines + indent(blocks(node.children, width: width - 4), by: 4)
    case .fieldList: return blocks(node.children, width: width, compact: true)
    case .field(let name):
      let nameLines = wrap([.strong(name + [.text(":")])], width: width)
      let nameWidth = nameLines.first?.width ?? 0
      if nameLines.count == 1, nameWidth + 1 <= 20, width - nameWidth - 1 >= 20 {
        let body = blocks(node.children, width: width - nameWidth - 1)
        if body.isEmpty { return nameLines.map { Laid(line: $0) } }
        return hang(
          body, first: nameLines[0].spans + [StyledSpan(" ")], rest: String(repeating: " ", count: nameWidth + 1))
      }
      return nameLines.map { Laid(line: $0) } + indent(blocks(node.children, width: width - 4), by: 4)
    case .blockQuote: return indent(blocks(node.children, width: width - 4), by: 4)
    case .literalBlock(let text, let language): return code(text, language: language)
    case .transition:
      let rule = String(repeating: unicode ? "─" : "-", count: Swift.min(width, 40))
      let pad = String(repeating: " ", count: Swift.max(0, (width - rule.count) / 2))
      return [Laid(line: StyledLine([StyledSpan(pad), StyledSpan(rule, style(CellStyle(dim: true)))]))]
    case .comment, .target, .substitutionDefinition: return []
    case .footnote(let label):
      let marker = "[\(label)] "
      return hang(
        blocks(node.children, width: width - marker.count), first: [StyledSpan(marker, style(CellStyle(bold: true)))],
        rest: String(repeating: " ", count: marker.count))
    case .admonition(let name, let title):
      return frame(title: title, color: admonitionColor(name), body: node.children, width: width)
    case .image(let uri, let alt): return imagePlaceholder(uri: uri, alt: alt, width: width)
    case .figure(let uri, let alt):
      var out = imagePlaceholder(uri: uri, alt: alt, width: width)
      let caption = blocks(node.children, width: width - 2)
      if !caption.isEmpty {
        out += indent(caption.map { Laid(line: restyle($0.line, CellStyle(italic: true))) }, by: 2)
      }
      return out
    case .collapsible(let title, let role): return collapsible(title, role: role, children: node.children, width: width)
    case .raw(let format, _):
      return format.split(separator: " ").contains("html") ? blocks(node.children, width: width) : []
    case .toctree(let caption, let entries):
      var out = [Laid(line: StyledLine(caption ?? "Contents", style(CellStyle(bold: true))))]
      for entry in entries {
        let text = entry.title.map { "\($0) (\(entry.target))" } ?? entry.target
        out += hang(
          wrap([.text(text)], width: width - 2).map { Laid(line: $0) }, first: [StyledSpan(unicode ? "• " : "* ")],
          rest: "  ")
      }
      return out
    case .table(let title): return table(node, title: title, width: width)
    case .tableRow, .tableCell: return blocks(node.children, width: width)
    case .exercise(let name):
      var head: [StyledSpan] = [
        StyledSpan(unicode ? "◆ " : "* ", style(CellStyle(foreground: .magenta))),
        StyledSpan("Exercise: ", style(CellStyle(bold: true))), StyledSpan(name, style(CellStyle(foreground: .cyan))),
      ]
      if name.isEmpty { head.removeLast() }
      let body = blocks(node.children, width: width - 2)
      return [Laid(line: StyledLine(head))] + (body.isEmpty ? [] : indent(body, by: 2))
    case .directive(let name, let arguments, let options, let content):
      var out = [Laid(line: StyledLine(".. \(name):: \(arguments)".trimmingTrailing, style(CellStyle(dim: true))))]
      for option in options {
        out.append(
          Laid(line: StyledLine("   :\(option.name): \(option.value)".trimmingTrailing, style(CellStyle(dim: true)))))
      }
      if !content.isEmpty {
        out.append(Laid(line: StyledLine()))
        for line in content.split(separator: "\n", omittingEmptySubsequences: false) {
          out.append(Laid(line: StyledLine(line.isEmpty ? "" : "   " + line)))
        }
      }
      return out
    }
  }

  // MARK: Sections

  mutating func section(_ title: [Inline], level: Int, children: [Node], width: Int) -> [Laid] {
    let headingStyle: CellStyle
    switch level {
    case 1: headingStyle = CellStyle(foreground: .magenta, bold: true)
    case 2: headingStyle = CellStyle(foreground: .cyan, bold: true)
    case 3: headingStyle = CellStyle(foreground: .yellow, bold: true)
    default: headingStyle = CellStyle(bold: true)
    }
    var titleLines = wrap(title, width: width).map { restyle($0, headingStyle) }
    let titleWidth = titleLines.map(\.width).max() ?? 0
    let underlineCharacter: String? =
      switch level {
      case 1: unicode ? "━" : "="
      case 2: unicode ? "─" : "-"
      case 3: color ? nil : "~"
      default: color ? nil : "."
      }
    var out: [Laid] = []
    if !titleLines.isEmpty {
      out.append(Laid(line: titleLines.removeFirst(), heading: true))
      out += titleLines.map { Laid(line: $0) }
    }
    if let underlineCharacter {
      let count = level == 1 ? width : titleWidth
      out.append(Laid(line: StyledLine(String(repeating: underlineCharacter, count: count), style(headingStyle))))
    }
    let body = blocks(children, width: width)
    if !body.isEmpty {
      out.append(Laid(line: StyledLine()))
      out += body
    }
    return out
  }

  // MARK: Lists

  func label(_ ordinal: Int, _ enumeration: Node.Enumeration, _ format: Node.EnumeratorFormat) -> String {
    var text: String
    switch enumeration {
    case .arabic: text = String(ordinal)
    case .lowerAlpha, .upperAlpha:
      let letter = Character(Unicode.Scalar(UInt8(96 + ((ordinal - 1) % 26 + 1))))
      text = enumeration == .upperAlpha ? String(letter).uppercased() : String(letter)
    case .lowerRoman: text = RomanNumeral.lowercase(ordinal)
    case .upperRoman: text = RomanNumeral.lowercase(ordinal).uppercased()
    }
    switch format {
    case .period: text += "."
    case .parenthesis: text += ")"
    case .parentheses: text = "(" + text + ")"
    }
    return text
  }

  mutating func list(_ items: [Node], markers: [String], width: Int) -> [Laid] {
    let markerWidth = (markers.map(\.displayWidth).max() ?? 1) + 1
    let compact = items.allSatisfy {
      $0.children.count <= 1 && $0.children.allSatisfy { if case .paragraph = $0.kind { true } else { false } }
    }
    var out: [Laid] = []
    for (item, marker) in zip(items, markers) {
      if !out.isEmpty && !compact { out.append(Laid(line: StyledLine())) }
      let body = blocks(item.children, width: width - markerWidth)
      let padded = marker + String(repeating: " ", count: markerWidth - marker.displayWidth)
      out += hang(
        body.isEmpty ? [Laid(line: StyledLine())] : body,
        first: [StyledSpan(padded, style(CellStyle(foreground: .yellow)))],
        rest: String(repeating: " ", count: markerWidth))
    }
    return out
  }

  func hang(_ lines: [Laid], first: [StyledSpan], rest: String) -> [Laid] {
    lines.enumerated().map { index, laid in
      var copy = laid
      if index == 0 {
        copy.line = laid.line.prefixed(first)
      } else if !laid.line.spans.isEmpty {
        copy.line = laid.line.prefixed([StyledSpan(rest)])
      }
      return copy
    }
  }

  func indent(_ lines: [Laid], by count: Int) -> [Laid] {
    let pad = String(repeating: " ", count: count)
    return lines.map { laid in
      var copy = laid
      if !laid.line.spans.isEmpty { copy.line = laid.line.prefixed([StyledSpan(pad)]) }
      return copy
    }
  }

  // MARK: Code

  func code(_ text: String, language: String?) -> [Laid] {
    var highlighter = LessonSyntaxHighlighter(language: language, color: color)
    var out: [Laid] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let spans = highlighter.highlight(String(line))
      out.append(Laid(line: spans.isEmpty ? StyledLine() : StyledLine([StyledSpan("    ")] + spans)))
    }
    return out
  }

  // MARK: Frames

  func admonitionColor(_ name: String) -> TerminalColor {
    switch name {
    case "danger", "error": .red
    case "warning", "caution", "attention", "important": .yellow
    case "tip", "hint": .green
    default: .blue
    }
  }

  mutating func frame(title: [Inline], color frameColor: TerminalColor, body: [Node], width: Int) -> [Laid] {
    let border = style(CellStyle(foreground: frameColor))
    let inner = Swift.max(10, width - 4)
    let content = blocks(body, width: inner)
    let titleText = title.collapsedText
    let (h, v, tl, tr, bl, br) = unicode ? ("─", "│", "┌", "┐", "└", "┘") : ("-", "|", "+", "+", "+", "+")
    let titleWidth = Swift.min(titleText.displayWidth, inner)
    let fill = Swift.max(0, width - 5 - titleWidth)
    var out: [Laid] = [
      Laid(
        line: StyledLine([
          StyledSpan(tl + h + " ", border), StyledSpan(titleText, style(CellStyle(foreground: frameColor, bold: true))),
          StyledSpan(" " + String(repeating: h, count: fill) + tr, border),
        ]))
    ]
    for laid in content {
      let pad = Swift.max(0, inner - laid.line.width)
      out.append(
        Laid(
          line: StyledLine(
            [StyledSpan(v + " ", border)] + laid.line.spans + [
              StyledSpan(String(repeating: " ", count: pad) + " " + v, border)
            ])))
    }
    out.append(Laid(line: StyledLine(bl + String(repeating: h, count: Swift.max(0, width - 2)) + br, border)))
    return out
  }

  func imagePlaceholder(uri: String, alt: String?, width: Int) -> [Laid] {
    let label = "Image: " + (alt ?? uri)
    let lines = [label] + (alt != nil ? [uri] : [])
    let inner = Swift.min(width - 4, lines.map(\.displayWidth).max() ?? 0)
    let border = style(CellStyle(dim: true))
    let (h, v, tl, tr, bl, br) = unicode ? ("─", "│", "┌", "┐", "└", "┘") : ("-", "|", "+", "+", "+", "+")
    var out = [Laid(line: StyledLine(tl + String(repeating: h, count: inner + 2) + tr, border))]
    for (index, text) in lines.enumerated() {
      let clipped = clip(text, to: inner)
      out.append(
        Laid(
          line: StyledLine([
            StyledSpan(v + " ", border),
            StyledSpan(clipped, style(index == 0 ? CellStyle(italic: true) : CellStyle(dim: true))),
            StyledSpan(String(repeating: " ", count: inner - clipped.displayWidth) + " " + v, border),
          ])))
    }
    out.append(Laid(line: StyledLine(bl + String(repeating: h, count: inner + 2) + br, border)))
    return out
  }

  func clip(_ text: String, to width: Int) -> String {
    guard text.displayWidth > width else { return text }
    var out = ""
    var used = 0
    for ch in text {
      if used + ch.displayWidth > width - 1 { break }
      out.append(ch)
      used += ch.displayWidth
    }
    return out + (unicode ? "…" : "~")
  }

  // MARK: Collapsible blocks

  mutating func collapsible(_ title: [Inline], role: Node.Collapsible, children: [Node], width: Int) -> [Laid] {
    if options.reveal {
      return frame(title: title, color: .green, body: children, width: width)
    }
    let dash = unicode ? " — " : " -- "
    let arrow = unicode ? "▸ " : "> "
    var tail: String
    switch role {
    case .hint(let number):
      let command = options.hintCommand ?? "workshop hint \(exercise.map(exerciseNumber) ?? "EXERCISE")"
      tail = "reveal with `\(command) \(number)`"
    case .solution where options.hintCommand == nil && exercise != nil:
      // A lesson tied to an exercise: its solutions are what `workshop solution N` shows.
      tail = "reveal with `workshop solution \(exercise.map(exerciseNumber) ?? "")`"
    case .solution, .details:
      tail = options.revealCommand.map { "reveal with `\($0)`" } ?? "hidden"
    }
    let inlines: [Inline] = title + [.text(dash + tail)]
    let lines = wrap(inlines, width: width - arrow.displayWidth)
    let styled = lines.map { restyle($0, CellStyle(foreground: .green)) }
    return hang(
      styled.map { Laid(line: $0) }, first: [StyledSpan(arrow, style(CellStyle(foreground: .green, bold: true)))],
      rest: "  ")
  }

  func exerciseNumber(_ name: String) -> String {
    let digits = name.reversed().prefix(while: \.isNumber)
    return digits.isEmpty ? name : String(String(digits.reversed()).drop(while: { $0 == "0" && digits.count > 1 }))
  }

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

  // MARK: Inline text

  func restyle(_ line: StyledLine, _ extra: CellStyle) -> StyledLine {
    guard color else { return line }
    return StyledLine(
      line.spans.map { span in
        var style = span.style
        style.bold = style.bold || extra.bold
        style.italic = style.italic || extra.italic
        style.underline = style.underline || extra.underline
        if style.foreground == nil { style.foreground = extra.foreground }
        return StyledSpan(span.text, style)
      })
  }

  /// A word: styled pieces with no white space between them.
  struct Word {
    var pieces: [StyledSpan] = []
    var spaceBefore = false
    var breakBefore = false
    var width: Int { pieces.reduce(0) { $0 + $1.text.displayWidth } }
  }

  func words(_ inlines: [Inline]) -> [Word] {
    var words: [Word] = []
    var current = Word()
    var pendingSpace = false
    var pendingBreak = false
    func add(_ text: String, _ style: CellStyle) {
      var piece = ""
      for ch in text {
        if ch.isWhitespace && ch != "\u{A0}" {
          if !piece.isEmpty {
            current.pieces.append(StyledSpan(piece, style))
            piece = ""
          }
          if !current.pieces.isEmpty {
            words.append(current)
            current = Word()
          }
          pendingSpace = true
        } else {
          if current.pieces.isEmpty && piece.isEmpty {
            current.spaceBefore = pendingSpace
            current.breakBefore = pendingBreak
            pendingSpace = false
            pendingBreak = false
          }
          piece.append(ch == "\u{A0}" ? " " : ch)
        }
      }
      if !piece.isEmpty { current.pieces.append(StyledSpan(piece, style)) }
    }
    func walk(_ inlines: [Inline], _ base: CellStyle) {
      for inline in inlines {
        switch inline {
        case .text(let text): add(text, base)
        case .emphasis(let children):
          var s = base
          s.italic = true
          walk(children, s)
        case .strong(let children):
          var s = base
          s.bold = true
          walk(children, s)
        case .literal(let text):
          var s = base
          s.foreground = .cyan
          add(text, s)
        case .role(let name, let text, _):
          var s = base
          switch name {
          case "doc", "ref", "numref", "any", "term", "download": s.underline = true
          case "title-reference", "dfn", "title", "t", "sub", "sup", "subscript", "superscript", "abbr", "abbreviation":
            s.italic = true
          default: s.foreground = .cyan
          }
          add(text, s)
        case .reference(let text, let url, _, _):
          var s = base
          s.underline = true
          s.foreground = .blue
          s.link = url
          walk(text, s)
          if let url, url != text.plainText, !url.hasPrefix("#") {
            var u = base
            u.dim = true
            u.link = url
            add(" <\(url)>", u)
          }
        case .footnoteReference(let label): add("[\(label)]", base)
        case .substitution(let name): add("|\(name)|", base)
        case .lineBreak:
          if !current.pieces.isEmpty {
            words.append(current)
            current = Word()
          }
          pendingBreak = true
          pendingSpace = false
        }
      }
    }
    walk(inlines, .plain)
    if !current.pieces.isEmpty { words.append(current) }
    return words
  }

  /// Wraps inline text to `width` columns.
  func wrap(_ inlines: [Inline], width: Int) -> [StyledLine] {
    let width = Swift.max(1, width)
    var lines: [StyledLine] = []
    var current: [StyledSpan] = []
    var used = 0
    for word in words(inlines) {
      let pieces = word.pieces.map { StyledSpan($0.text, style($0.style)) }
      var wordWidth = word.width
      if word.breakBefore {
        lines.append(StyledLine(current))
        current = []
        used = 0
      }
      let space = used > 0 && word.spaceBefore ? 1 : 0
      if used > 0 && used + space + wordWidth > width {
        lines.append(StyledLine(current))
        current = []
        used = 0
      } else if space == 1 {
        current.append(StyledSpan(" "))
        used += 1
      }
      if wordWidth <= width - used {
        current += pieces
        used += wordWidth
        continue
      }
      // A word longer than the line: break it by columns.
      for piece in pieces {
        var chunk = ""
        for ch in piece.text {
          let w = ch.displayWidth
          if used + w > width && used > 0 {
            if !chunk.isEmpty { current.append(StyledSpan(chunk, piece.style)) }
            lines.append(StyledLine(current))
            current = []
            chunk = ""
            used = 0
          }
          chunk.append(ch)
          used += w
        }
        if !chunk.isEmpty { current.append(StyledSpan(chunk, piece.style)) }
      }
      wordWidth = 0
    }
    if !current.isEmpty { lines.append(StyledLine(current)) }
    return lines
  }
}

extension String {
  fileprivate var trimmingTrailing: String {
    var copy = self
    while copy.last == " " { copy.removeLast() }
    return copy
  }
}
