import TextWidth

/// Wraps report lines at word boundaries: a line is broken only at spaces, so a path, a number or a
/// frame's name is never split; a word wider than the line stays whole on a line of its own.
public enum ReportLineWrap {
  /// `line` as lines of at most `width` columns (where its words allow). Continuation lines are
  /// indented by `hangingIndent` columns, by default the line's own indent plus two.
  public static func wrap(_ line: String, width: Int, hangingIndent: Int? = nil) -> [String] {
    guard DisplayWidth.of(line) > width else { return [line] }
    let indent = line.prefix { $0 == " " }.count
    let hanging = String(repeating: " ", count: hangingIndent ?? indent + 2)
    let words = line.dropFirst(indent).split(separator: " ", omittingEmptySubsequences: false)
    var lines: [String] = []
    var current = String(repeating: " ", count: indent)
    var currentHasWord = false
    for word in words {
      let candidate = currentHasWord ? current + " " + word : current + word
      if currentHasWord && DisplayWidth.of(candidate) > width {
        while current.last == " " { current.removeLast() }
        lines.append(current)
        current = hanging + word
      } else {
        current = candidate
      }
      currentHasWord = true
    }
    lines.append(current)
    return lines
  }

  /// Every line of `lines` wrapped (``wrap(_:width:hangingIndent:)``).
  public static func wrap(_ lines: [String], width: Int) -> [String] {
    lines.flatMap { wrap($0, width: width) }
  }
}
