import LessonText
import TextWidth

// Lays out literal blocks, coloured by LessonSyntaxHighlighter.

extension LessonRenderer.Layout {
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
}
