/// Writes grids as text for a terminal that is not under the terminal UI's control (printed
/// reports, the lesson without the pager): the one writer of escape sequences. Styles become SGR
/// escapes, colours brought down to the 8 basic ones when the terminal has no more, links OSC 8
/// hyperlinks where allowed; without colour it writes the characters alone.
public struct ANSIWriter: Sendable {
  /// What the terminal can show.
  public var capabilities: TerminalCapabilities

  /// A writer for a terminal with `capabilities`.
  public init(_ capabilities: TerminalCapabilities) { self.capabilities = capabilities }

  /// `grid` as text, one line a row ending with a newline, trailing blanks left out. Each line
  /// ends with its styles reset and its link closed, so that nothing leaks into what follows.
  public func text(_ grid: CellGrid) -> String {
    guard capabilities.colour else { return grid.plainText() }
    var text = ""
    for row in 0..<grid.height {
      var current = CellStyle.plain
      var lastColumn = grid.width - 1
      while lastColumn >= 0 && grid[row, lastColumn] == .blank { lastColumn -= 1 }
      if lastColumn >= 0 {
        for column in 0...lastColumn {
          let cell = grid[row, column]
          guard cell.width > 0 else { continue }
          if cell.style != current {
            write(from: current, to: cell.style, into: &text)
            current = cell.style
          }
          text.append(cell.character)
        }
      }
      write(from: current, to: .plain, into: &text)
      text += "\n"
    }
    return text
  }

  /// The escapes that change the terminal from `old` to `new`: the link closed or opened, the SGR
  /// attributes reset and set.
  private func write(from old: CellStyle, to new: CellStyle, into text: inout String) {
    let oldLink = capabilities.hyperlinks ? old.link : nil
    let newLink = capabilities.hyperlinks ? new.link : nil
    if oldLink != newLink {
      text += "\u{1B}]8;;\(newLink ?? "")\u{1B}\\"
    }
    var plainOld = old
    var plainNew = new
    plainOld.link = nil
    plainNew.link = nil
    guard plainOld != plainNew else { return }
    text += "\u{1B}["
    text += plainNew.isPlain ? "0" : "0;" + sgrParameters(plainNew)
    text += "m"
  }

  /// The SGR parameters of `style`: `1` bold, `2` dim, `3` italic, `4` underline, `7` inverse,
  /// `30`–`37` or `38;5;N` foreground, `40`–`47` or `48;5;N` background.
  func sgrParameters(_ style: CellStyle) -> String {
    var codes: [String] = []
    if style.bold { codes.append("1") }
    if style.dim { codes.append("2") }
    if style.italic { codes.append("3") }
    if style.underline { codes.append("4") }
    if style.inverse { codes.append("7") }
    if let foreground = style.foreground.map(shown) {
      codes.append(foreground.isBasic ? "\(30 + Int(foreground.index))" : "38;5;\(foreground.index)")
    }
    if let background = style.background.map(shown) {
      codes.append(background.isBasic ? "\(40 + Int(background.index))" : "48;5;\(background.index)")
    }
    return codes.joined(separator: ";")
  }

  private func shown(_ colour: TerminalColor) -> TerminalColor {
    capabilities.colours == .extended ? colour : colour.basic
  }
}

extension CellGrid {
  /// The grid as text for a terminal with `capabilities`: see ``ANSIWriter``.
  public func text(for capabilities: TerminalCapabilities) -> String { ANSIWriter(capabilities).text(self) }
}
