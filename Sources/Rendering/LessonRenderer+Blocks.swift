import LessonText
import TextWidth

// Lays out blocks: paragraphs, sections, quotes, directives; dispatches the rest by kind.

extension LessonRenderer.Layout {
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
}

extension String {
  fileprivate var trimmingTrailing: String {
    var copy = self
    while copy.last == " " { copy.removeLast() }
    return copy
  }
}
