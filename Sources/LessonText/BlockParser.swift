import TextWidth
/// Builds the body of a document or section, opening and closing sections by level.
final class SectionBuilder {
  private var stack: [Node]
  private var levels: [Int] = [0]
  private let finishChildren: ([Node]) -> [Node]

  init(line: Int, finishChildren: @escaping ([Node]) -> [Node]) {
    stack = [Node(.document, line: line)]
    self.finishChildren = finishChildren
  }

  /// How many sections are open.
  var depth: Int { levels.count - 1 }

  func append(_ node: Node) { stack[stack.count - 1].children.append(node) }
  func append(contentsOf nodes: [Node]) { stack[stack.count - 1].children.append(contentsOf: nodes) }

  func open(_ section: Node, level: Int) {
    while let last = levels.last, last >= level, levels.count > 1 { close() }
    stack.append(section)
    levels.append(level)
  }

  private func close() {
    var node = stack.removeLast()
    levels.removeLast()
    node.children = finishChildren(node.children)
    stack[stack.count - 1].children.append(node)
  }

  func finish() -> [Node] {
    while levels.count > 1 { close() }
    return finishChildren(stack[0].children)
  }
}

/// The block parser: source lines to nodes, with docutils' rules for indentation, lists, sections and
/// explicit markup.
final class BlockParser {
  struct TitleStyle: Equatable {
    var character: Character
    var overline: Bool
  }

  let file: String
  var diagnostics: [Diagnostic] = []
  var titleStyles: [TitleStyle] = []
  var hintCount = 0
  var exerciseName: String?
  var reportedDirectives: Set<String> = []
  var reportedRoles: Set<String> = []
  var substitutions: [String: [Inline]] = [:]
  var embeddedTargets: [String: String] = [:]
  var depth = 0
  static let maximumDepth = 64

  init(file: String) { self.file = file }

  func report(_ severity: Severity, _ message: String, line: Int) {
    diagnostics.append(Diagnostic(severity, message, file: file, line: line))
  }

  func inlines(_ text: String, line: Int) -> [Inline] {
    var parser = InlineParser(text: text, line: line, parser: self)
    return parser.parse()
  }

  // MARK: Bodies

  /// Parses a body (lines already without the enclosing indentation).
  func parseBody(_ lines: [SourceLine], sections allowSections: Bool) -> [Node] {
    depth += 1
    defer { depth -= 1 }
    if depth > Self.maximumDepth {
      let first = lines.first { !$0.isBlank }
      report(.error, "Nesting too deep; the rest of this block is shown verbatim.", line: first?.number ?? 0)
      let text = lines.map { String($0.text) }.joined(separator: "\n")
      return [Node(.literalBlock(text: text, language: nil), line: first?.number ?? 0, column: first?.column ?? 1)]
    }
    let builder = SectionBuilder(line: lines.first?.number ?? 1) { [unowned self] in self.groupDetails($0) }
    var reader = LineReader(lines)
    while !reader.isAtEnd {
      let line = reader.current
      if line.isBlank {
        reader.advance()
        continue
      }
      if line.indent > 0 {
        builder.append(blockQuote(&reader))
        continue
      }
      let text = line.text
      if bulletMarker(text) != nil {
        builder.append(bulletList(&reader))
      } else if let enumerator = Enumerator(text), enumeratedListStarts(reader, enumerator) {
        builder.append(enumeratedList(&reader))
      } else if fieldMarker(text) != nil {
        builder.append(fieldList(&reader))
      } else if text.hasPrefix(">>>") && (text.count == 3 || text.dropFirst(3).first == " ") {
        builder.append(doctest(&reader))
      } else if isGridTableTop(text) {
        builder.append(gridTable(&reader))
      } else if isSimpleTableTop(text) {
        builder.append(simpleTable(&reader))
      } else if text.hasPrefix("..") && (text.count == 2 || text.dropFirst(2).first == " ") {
        builder.append(contentsOf: explicitMarkup(&reader))
      } else if text == "__" || text.hasPrefix("__ ") {
        builder.append(anonymousTarget(&reader))
      } else if text.isAdornmentLine, adornment(&reader, builder: builder, sections: allowSections) {
        continue
      } else if let next = reader.next, !next.isBlank, next.indent == 0, next.text.isAdornmentLine,
        underlinedTitle(&reader, builder: builder, sections: allowSections)
      {
        continue
      } else if let next = reader.next, !next.isBlank, next.indent > 0, !text.hasSuffix("::") {
        builder.append(definitionList(&reader))
      } else {
        builder.append(contentsOf: paragraph(&reader))
      }
    }
    return builder.finish()
  }

  // MARK: Sections and transitions

  private func openSection(
    title: Substring, line: SourceLine, style: TitleStyle, builder: SectionBuilder, sections: Bool
  ) {
    let titleText = String(title.trimmingSpaces)
    guard sections else {
      report(.severe, "Unexpected section title.", line: line.number)
      builder.append(Node(.paragraph(inlines(titleText, line: line.number)), line: line.number, column: line.column))
      return
    }
    var level: Int
    if let index = titleStyles.firstIndex(of: style) {
      level = index + 1
      if level > builder.depth + 1 {
        report(.severe, "Title level inconsistent: \"\(titleText)\".", line: line.number)
        level = builder.depth + 1
      }
    } else if titleStyles.count == builder.depth {
      titleStyles.append(style)
      level = titleStyles.count
    } else {
      report(.severe, "Title level inconsistent: \"\(titleText)\".", line: line.number)
      level = builder.depth + 1
    }
    let node = Node(
      .section(title: inlines(titleText, line: line.number), level: level), line: line.number, column: line.column)
    builder.open(node, level: level)
  }

  /// A line of one punctuation character: an overline, a transition, or ordinary text.
  private func adornment(_ reader: inout LineReader, builder: SectionBuilder, sections: Bool) -> Bool {
    let line = reader.current
    let marker = line.text.trimmingTrailingSpaces
    let character = marker.first!
    guard let titleLine = reader.next, !titleLine.isBlank else {
      guard marker.count >= 4 else { return false }
      builder.append(Node(.transition, line: line.number, column: line.column))
      reader.advance()
      return true
    }
    if titleLine.text.isAdornmentLine && titleLine.indent == 0 { return false }
    if let underline = reader.peek(2), underline.indent == 0, underline.text.isAdornmentLine,
      underline.text.first == character
    {
      let title = titleLine.text.trimmingSpaces
      if underline.text.trimmingTrailingSpaces != marker {
        report(.severe, "Title overline & underline mismatch.", line: line.number)
      } else if title.displayWidth > marker.count {
        report(.warning, "Title overline too short.", line: line.number)
      }
      openSection(
        title: title, line: titleLine, style: TitleStyle(character: character, overline: true), builder: builder,
        sections: sections)
      reader.advance(3)
      return true
    }
    guard marker.count >= 4 else { return false }
    report(.severe, "Missing matching underline for section title overline.", line: line.number)
    return false
  }

  private func underlinedTitle(_ reader: inout LineReader, builder: SectionBuilder, sections: Bool) -> Bool {
    let line = reader.current
    let underline = reader.next!
    let marker = underline.text.trimmingTrailingSpaces
    let title = line.text.trimmingSpaces
    if title.displayWidth > marker.count {
      if marker.count < 4 { return false }
      report(.warning, "Title underline too short.", line: underline.number)
    }
    openSection(
      title: title, line: line, style: TitleStyle(character: marker.first!, overline: false), builder: builder,
      sections: sections)
    reader.advance(2)
    return true
  }

  // MARK: Paragraphs, literal blocks and block quotes

  private func paragraph(_ reader: inout LineReader) -> [Node] {
    let first = reader.current
    var lines = [first.text]
    reader.advance()
    while !reader.isAtEnd, !reader.current.isBlank, reader.current.indent == 0 {
      lines.append(reader.current.text)
      reader.advance()
    }
    var text = lines.joined(separator: "\n")
    var nodes: [Node] = []
    let literal = text.hasSuffix("::") && !text.hasSuffix("\\::")
    if literal {
      if text == "::" {
        text = ""
      } else if text.hasSuffix(" ::") || text.hasSuffix("\n::") {
        text = String(text.dropLast(2)).trimmingTrailingWhitespace
      } else {
        text = String(text.dropLast())
      }
    }
    if !text.isEmpty {
      nodes.append(Node(.paragraph(inlines(text, line: first.number)), line: first.number, column: first.column))
    }
    if literal {
      if let block = literalBlock(&reader, after: first.number + lines.count) { nodes.append(block) }
    } else if !reader.isAtEnd, !reader.current.isBlank, reader.current.indent > 0 {
      report(.error, "Unexpected indentation.", line: reader.current.number)
    }
    return nodes
  }

  private func literalBlock(_ reader: inout LineReader, after line: Int) -> Node? {
    let mark = reader.position
    while !reader.isAtEnd, reader.current.isBlank { reader.advance() }
    guard !reader.isAtEnd else {
      report(.warning, "Literal block expected; none found.", line: line)
      return nil
    }
    let start = reader.current
    if start.indent > 0 {
      let (block, blankFinish) = reader.readIndented()
      if !blankFinish, !reader.isAtEnd {
        report(.warning, "Literal block ends without a blank line; unexpected unindent.", line: reader.current.number)
      }
      return Node(.literalBlock(text: verbatim(block), language: nil), line: start.number, column: start.column)
    }
    if let quote = start.text.first, quote.isAdornment, reader.position > mark {
      var lines: [SourceLine] = []
      while !reader.isAtEnd, !reader.current.isBlank, reader.current.indent == 0, reader.current.text.first == quote {
        lines.append(reader.current)
        reader.advance()
      }
      if !reader.isAtEnd, !reader.current.isBlank {
        report(.error, "Inconsistent literal block quoting.", line: reader.current.number)
      }
      return Node(.literalBlock(text: verbatim(lines), language: nil), line: start.number, column: start.column)
    }
    report(.warning, "Literal block expected; none found.", line: start.number)
    return nil
  }

  func verbatim(_ lines: [SourceLine]) -> String {
    lines.map { String($0.text) }.joined(separator: "\n")
  }

  private func blockQuote(_ reader: inout LineReader) -> Node {
    let start = reader.current
    let (block, blankFinish) = reader.readIndented()
    let children = parseBody(block, sections: false)
    if !blankFinish, !reader.isAtEnd {
      report(.warning, "Block quote ends without a blank line; unexpected unindent.", line: reader.current.number)
    }
    return Node(.blockQuote, line: start.number, column: start.column, children: children)
  }

  private func doctest(_ reader: inout LineReader) -> Node {
    let start = reader.current
    var lines: [SourceLine] = []
    while !reader.isAtEnd, !reader.current.isBlank {
      lines.append(reader.current)
      reader.advance()
    }
    return Node(.literalBlock(text: verbatim(lines), language: "pycon"), line: start.number, column: start.column)
  }

  // MARK: Lists

  func bulletMarker(_ text: Substring) -> (bullet: Character, contentIndent: Int)? {
    guard let first = text.first, "-*+•‣⁃".contains(first) else { return nil }
    let rest = text.dropFirst()
    if rest.isEmpty { return (first, 0) }
    guard rest.first == " " else { return nil }
    let spaces = rest.prefix(while: { $0 == " " }).count
    return (first, rest.count == spaces ? 0 : 1 + spaces)
  }

  /// Reads one list item's (or field's) body starting at the current line.
  private func itemBody(_ reader: inout LineReader, contentIndent: Int, line: SourceLine) -> (
    [SourceLine], Bool
  ) {
    if contentIndent > 0 {
      return reader.readIndented(blockIndent: contentIndent)
    }
    return reader.readIndented(firstIndent: line.text.count)
  }

  private func skipBlanks(_ reader: inout LineReader) {
    while !reader.isAtEnd, reader.current.isBlank { reader.advance() }
  }

  private func bulletList(_ reader: inout LineReader) -> Node {
    let start = reader.current
    let bullet = bulletMarker(start.text)!.bullet
    var items: [Node] = []
    while !reader.isAtEnd, reader.current.indent == 0, let marker = bulletMarker(reader.current.text),
      marker.bullet == bullet
    {
      let line = reader.current
      let (body, blankFinish) = itemBody(&reader, contentIndent: marker.contentIndent, line: line)
      items.append(Node(.listItem, line: line.number, column: line.column, children: parseBody(body, sections: false)))
      if !blankFinish, !reader.isAtEnd {
        if let next = bulletMarker(reader.current.text), next.bullet == bullet, reader.current.indent == 0 { continue }
        report(.warning, "Bullet list ends without a blank line; unexpected unindent.", line: reader.current.number)
        break
      }
      let mark = reader.position
      skipBlanks(&reader)
      if reader.isAtEnd || bulletMarker(reader.current.text)?.bullet != bullet || reader.current.indent != 0 {
        reader.rewind(to: mark)
        break
      }
    }
    return Node(.bulletList(bullet: bullet), line: start.number, column: start.column, children: items)
  }

  private func enumeratedListStarts(_ reader: LineReader, _ enumerator: Enumerator) -> Bool {
    guard enumerator.firstOrdinal != nil else { return false }
    guard let next = reader.next, !next.isBlank, next.indent == 0 else { return true }
    guard let following = Enumerator(next.text), following.format == enumerator.format else { return false }
    let sequence = enumerator.startingSequence!
    if following.label == "#" || enumerator.label == "#" { return following.label == enumerator.label }
    return following.ordinal(in: sequence) == enumerator.ordinal(in: sequence)! + 1
  }

  private func enumeratedList(_ reader: inout LineReader) -> Node {
    let start = reader.current
    let first = Enumerator(start.text)!
    let sequence = first.startingSequence!
    let auto = first.label == "#"
    let startOrdinal = first.firstOrdinal ?? 1
    if startOrdinal != 1 && !auto {
      report(
        .info, "Enumerated list start value not ordinal-1: \"\(first.label)\" (ordinal \(startOrdinal))",
        line: start.number)
    }
    var expected = startOrdinal
    var items: [Node] = []
    while !reader.isAtEnd, reader.current.indent == 0, let enumerator = Enumerator(reader.current.text),
      enumerator.format == first.format,
      auto ? enumerator.label == "#" : enumerator.ordinal(in: sequence) == expected
    {
      let line = reader.current
      let (body, blankFinish) = itemBody(&reader, contentIndent: enumerator.contentIndent, line: line)
      items.append(Node(.listItem, line: line.number, column: line.column, children: parseBody(body, sections: false)))
      expected += 1
      if !blankFinish, !reader.isAtEnd {
        if let next = Enumerator(reader.current.text), reader.current.indent == 0, next.format == first.format,
          auto ? next.label == "#" : next.ordinal(in: sequence) == expected
        {
          continue
        }
        report(.warning, "Enumerated list ends without a blank line; unexpected unindent.", line: reader.current.number)
        break
      }
      let mark = reader.position
      skipBlanks(&reader)
      guard !reader.isAtEnd, reader.current.indent == 0, let next = Enumerator(reader.current.text),
        next.format == first.format, auto ? next.label == "#" : next.ordinal(in: sequence) == expected
      else {
        reader.rewind(to: mark)
        break
      }
    }
    return Node(
      .enumeratedList(enumeration: sequence, format: first.format, start: startOrdinal), line: start.number,
      column: start.column, children: items)
  }

  /// `:name: body` — returns the name and the column where the body starts (0 when the body is empty).
  func fieldMarker(_ text: Substring) -> (name: Substring, contentIndent: Int)? {
    guard text.first == ":" else { return nil }
    let chars = Array(text)
    guard chars.count > 2, chars[1] != " ", chars[1] != ":" else { return nil }
    var index = 1
    while index < chars.count {
      if chars[index] == "\\" {
        index += 2
        continue
      }
      if chars[index] == ":" && chars[index - 1] != " " && (index + 1 == chars.count || chars[index + 1] == " ") {
        let name = text.dropFirst().prefix(index - 1)
        let rest = chars[(index + 1)...]
        let spaces = rest.prefix(while: { $0 == " " }).count
        return (name, rest.count == spaces ? 0 : index + 1 + spaces)
      }
      index += 1
    }
    return nil
  }

  private func fieldList(_ reader: inout LineReader) -> Node {
    let start = reader.current
    var fields: [Node] = []
    while !reader.isAtEnd, reader.current.indent == 0, let marker = fieldMarker(reader.current.text) {
      let line = reader.current
      let name = inlines(String(marker.name), line: line.number)
      let (body, blankFinish) = reader.readIndented(
        firstIndent: marker.contentIndent == 0 ? line.text.count : marker.contentIndent)
      fields.append(
        Node(.field(name: name), line: line.number, column: line.column, children: parseBody(body, sections: false)))
      if !blankFinish, !reader.isAtEnd {
        if fieldMarker(reader.current.text) != nil, reader.current.indent == 0 { continue }
        report(.warning, "Field list ends without a blank line; unexpected unindent.", line: reader.current.number)
        break
      }
      let mark = reader.position
      skipBlanks(&reader)
      if reader.isAtEnd || reader.current.indent != 0 || fieldMarker(reader.current.text) == nil {
        reader.rewind(to: mark)
        break
      }
    }
    return Node(.fieldList, line: start.number, column: start.column, children: fields)
  }

  private func definitionList(_ reader: inout LineReader) -> Node {
    let start = reader.current
    var items: [Node] = []
    while !reader.isAtEnd, !reader.current.isBlank, reader.current.indent == 0, let next = reader.next, !next.isBlank,
      next.indent > 0
    {
      let line = reader.current
      reader.advance()
      let parts = line.text.components(separatedBy: " : ")
      let term = inlines(parts[0], line: line.number)
      let classifiers = parts.dropFirst().map { inlines($0, line: line.number) }
      let (body, blankFinish) = reader.readIndented()
      items.append(
        Node(
          .definitionListItem(term: term, classifiers: classifiers), line: line.number, column: line.column,
          children: parseBody(body, sections: false)))
      if !blankFinish, !reader.isAtEnd {
        report(.warning, "Definition list ends without a blank line; unexpected unindent.", line: reader.current.number)
        break
      }
      let mark = reader.position
      skipBlanks(&reader)
      guard !reader.isAtEnd, reader.current.indent == 0, let after = reader.next, !after.isBlank, after.indent > 0,
        bulletMarker(reader.current.text) == nil, !reader.current.text.hasPrefix("..")
      else {
        reader.rewind(to: mark)
        break
      }
    }
    return Node(.definitionList, line: start.number, column: start.column, children: items)
  }
}

extension Substring {
  func components(separatedBy separator: String) -> [String] {
    var parts: [String] = []
    var rest = self
    while let range = rest.range(of: separator) {
      parts.append(String(rest[rest.startIndex..<range.lowerBound]))
      rest = rest[range.upperBound...]
    }
    parts.append(String(rest))
    return parts
  }

  func range(of needle: String) -> Range<Index>? {
    guard !needle.isEmpty else { return nil }
    var index = startIndex
    while index < endIndex {
      if self[index...].hasPrefix(needle) {
        return index..<self.index(index, offsetBy: needle.count)
      }
      index = self.index(after: index)
    }
    return nil
  }
}

extension String {
  var trimmingTrailingWhitespace: String {
    var result = self
    while let last = result.last, last.isWhitespace { result.removeLast() }
    return result
  }
}
