import LessonText

/// A run of text in one style.
public struct StyledSpan: Sendable, Hashable {
  /// The text (no line breaks).
  public var text: String
  /// Its style.
  public var style: CellStyle

  /// Makes a span.
  public init(_ text: String, _ style: CellStyle = .plain) {
    self.text = text
    self.style = style
  }
}

/// One laid-out line: styled spans.
public struct StyledLine: Sendable, Hashable {
  /// The spans, left to right.
  public var spans: [StyledSpan]

  /// Makes a line.
  public init(_ spans: [StyledSpan] = []) { self.spans = spans }

  /// Makes a line of one span.
  public init(_ text: String, _ style: CellStyle = .plain) {
    self.spans = text.isEmpty ? [] : [StyledSpan(text, style)]
  }

  /// The text without styling.
  public var plainText: String { spans.map(\.text).joined() }

  /// Columns the line takes.
  public var width: Int { spans.reduce(0) { $0 + $1.text.displayWidth } }

  /// The line with `prefix` in front.
  public func prefixed(_ prefix: [StyledSpan]) -> StyledLine { StyledLine(prefix + spans) }

  /// The line as cells: one per column, a wide character followed by a continuation cell (width 0);
  /// a combining mark joins the character before it.
  public var cells: [Cell] {
    var result: [Cell] = []
    for span in spans {
      for ch in span.text {
        let width = ch.displayWidth
        guard width > 0 else {
          if let index = result.lastIndex(where: { $0.width > 0 }) {
            result[index].character = Character(String(result[index].character) + String(ch))
          }
          continue
        }
        result.append(Cell(ch, width: width, style: span.style))
        if width == 2 { result.append(Cell(" ", width: 0, style: span.style)) }
      }
    }
    return result
  }
}

/// A rendered lesson: styled lines (the output model a TUI can reuse) and where its headings are.
public struct LessonRendering: Sendable {
  /// The lines, top to bottom.
  public var lines: [StyledLine]
  /// Indices into ``lines`` of the section headings, in order.
  public var headingLines: [Int]

  /// Makes a rendering.
  public init(lines: [StyledLine], headingLines: [Int]) {
    self.lines = lines
    self.headingLines = headingLines
  }

  /// The lines as a grid of cells.
  public var cells: [[Cell]] { lines.map(\.cells) }

  /// Plain text, one line per line, trailing spaces removed.
  public var plainText: String {
    lines.map { line in
      var text = line.plainText
      while text.last == " " { text.removeLast() }
      return text
    }.joined(separator: "\n") + "\n"
  }

  /// Text with ANSI SGR styling and, when `hyperlinks` is set, OSC 8 hyperlinks.
  public func ansi(hyperlinks: Bool) -> String {
    var out = ""
    for line in lines {
      var trimmed = line.spans
      while let last = trimmed.last, last.style.isPlain, last.text.allSatisfy({ $0 == " " }) { trimmed.removeLast() }
      for span in trimmed {
        if span.style.isPlain {
          out += span.text
          continue
        }
        let codes = span.style.sgrParameters
        let link = hyperlinks ? span.style.link : nil
        if let link { out += "\u{1B}]8;;\(link)\u{1B}\\" }
        if !codes.isEmpty { out += "\u{1B}[" + codes.joined(separator: ";") + "m" }
        out += span.text
        if !codes.isEmpty { out += "\u{1B}[0m" }
        if link != nil { out += "\u{1B}]8;;\u{1B}\\" }
      }
      out += "\n"
    }
    return out
  }
}

/// How to draw for a given output: colour, Unicode box drawing, hyperlinks.
public struct LessonOutputMode: Sendable, Equatable {
  /// Use colour and other styling.
  public var color: Bool
  /// Use Unicode bullets and box drawing (ASCII otherwise).
  public var unicode: Bool
  /// Emit OSC 8 hyperlinks.
  public var hyperlinks: Bool

  /// Makes a mode.
  public init(color: Bool, unicode: Bool, hyperlinks: Bool) {
    self.color = color
    self.unicode = unicode
    self.hyperlinks = hyperlinks
  }

  /// Plain ASCII, no colour: for pipes, `NO_COLOR` and `TERM=dumb`.
  public static let plain = LessonOutputMode(color: false, unicode: false, hyperlinks: false)

  /// Unicode, colour and hyperlinks.
  public static let rich = LessonOutputMode(color: true, unicode: true, hyperlinks: true)

  /// The mode for output with `capabilities`.
  public init(_ capabilities: TerminalCapabilities) {
    self.init(color: capabilities.colour, unicode: capabilities.unicode, hyperlinks: capabilities.hyperlinks)
  }

  /// Decides by ``TerminalCapabilities/detect(environment:isTerminal:width:)``, the rules every
  /// renderer follows (no I/O here: the caller passes the environment and whether it is a terminal).
  public static func detect(environment: [String: String], isTerminal: Bool) -> LessonOutputMode {
    LessonOutputMode(TerminalCapabilities.detect(environment: environment, isTerminal: isTerminal))
  }
}
