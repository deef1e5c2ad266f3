import LessonText
import TextWidth

// Lays out lists: markers, hanging indents.

extension LessonRenderer.Layout {
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
}
