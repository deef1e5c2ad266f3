import LessonText
import TextWidth

// Lays out framed blocks: admonitions, image placeholders, hints and solutions collapsed or revealed.

extension LessonRenderer.Layout {
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
    if role == .solution { solutionsSeen += 1 }
    let shown =
      switch role {
      case .hint(let number): number <= options.revealed.hints
      case .solution: options.revealed.solutions
      case .details: options.revealed.details
      }
    if shown {
      return frame(title: title, color: .green, body: children, width: width)
    }
    var title = title
    let dash = unicode ? " — " : " -- "
    let arrow = unicode ? "▸ " : "> "
    var tail: String
    switch role {
    case .hint(let number):
      tail = options.hintCommand.map { "reveal with `\($0) \(number)`" } ?? "hidden"
    case .solution:
      // A solution's title often names the fix ("Solution 1: [weak self]"): hidden, only its number.
      title = [.text("Solution \(solutionsSeen)")]
      tail = (options.solutionCommand ?? options.revealCommand).map { "reveal with `\($0)`" } ?? "hidden"
    case .details:
      tail = options.revealCommand.map { "reveal with `\($0)`" } ?? "hidden"
    }
    let inlines: [Inline] = title + [.text(dash + tail)]
    let lines = wrap(inlines, width: width - arrow.displayWidth)
    let styled = lines.map { restyle($0, CellStyle(foreground: .green)) }
    return hang(
      styled.map { Laid(line: $0) }, first: [StyledSpan(arrow, style(CellStyle(foreground: .green, bold: true)))],
      rest: "  ")
  }
}
