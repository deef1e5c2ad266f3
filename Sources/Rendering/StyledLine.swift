import TextWidth

/// A run of text in one style: what the lesson layout works with before it writes a grid.
struct StyledSpan: Sendable, Hashable {
  /// The text (no line breaks).
  var text: String
  /// Its style.
  var style: CellStyle

  init(_ text: String, _ style: CellStyle = .plain) {
    self.text = text
    self.style = style
  }
}

/// One laid-out line of styled spans.
struct StyledLine: Sendable, Hashable {
  /// The spans, left to right.
  var spans: [StyledSpan]

  init(_ spans: [StyledSpan] = []) { self.spans = spans }

  /// A line of one span.
  init(_ text: String, _ style: CellStyle = .plain) {
    self.spans = text.isEmpty ? [] : [StyledSpan(text, style)]
  }

  /// Columns the line takes.
  var width: Int { spans.reduce(0) { $0 + $1.text.displayWidth } }

  /// The line with `prefix` in front.
  func prefixed(_ prefix: [StyledSpan]) -> StyledLine { StyledLine(prefix + spans) }
}
