import LessonText
import TextWidth

// Lays out inline text: styled words wrapped to a width.

extension LessonRenderer.Layout {
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
