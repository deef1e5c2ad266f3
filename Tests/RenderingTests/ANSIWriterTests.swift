import Rendering
import Testing

/// The one writer of escape sequences: styles, 256 or 8 colours, backgrounds, links, plain text.
@Suite("ANSIWriter")
struct ANSIWriterTests {
  static let eight = TerminalCapabilities(colours: .basic, unicode: true)
  static let extended = TerminalCapabilities(colours: .extended, unicode: true)

  func grid(_ text: String, _ style: CellStyle, width: Int = 8) -> CellGrid {
    var grid = CellGrid(width: width, height: 1)
    grid.write(text, row: 0, column: 0, style: style)
    return grid
  }

  @Test("256 colours as 38;5 and 48;5, basic colours as 30–37 and 40–47, attributes first")
  func extendedColours() {
    let style = CellStyle(foreground: TerminalColor(203), background: TerminalColor(16), bold: true)
    #expect(ANSIWriter(Self.extended).text(grid("hot", style)) == "\u{1B}[0;1;38;5;203;48;5;16mhot\u{1B}[0m\n")
    let basic = CellStyle(foreground: .green, background: .blue, underline: true)
    #expect(ANSIWriter(Self.extended).text(grid("ok", basic)) == "\u{1B}[0;4;32;44mok\u{1B}[0m\n")
  }

  @Test("with 8 colours a richer one comes down to its nearest basic colour")
  func basicColours() {
    let style = CellStyle(foreground: TerminalColor(203), background: TerminalColor(117))
    #expect(ANSIWriter(Self.eight).text(grid("x", style)) == "\u{1B}[0;31;46mx\u{1B}[0m\n")
    #expect(TerminalColor(9).basic == .red)
    #expect(TerminalColor(114).basic == .green)
    #expect(TerminalColor(220).basic == .yellow)
    #expect(TerminalColor(250).basic == .white)
    #expect(TerminalColor(234).basic == .black)
    #expect(TerminalColor.cyan.basic == .cyan)
  }

  @Test("a style is set when it changes and reset at the end of the line; trailing blanks are left out")
  func styleRuns() {
    var grid = CellGrid(width: 10, height: 2)
    grid.write("ab", row: 0, column: 0, style: CellStyle(bold: true))
    grid.write("cd", row: 0, column: 2)
    grid.write("e", row: 1, column: 0, style: CellStyle(dim: true))
    #expect(ANSIWriter(Self.extended).text(grid) == "\u{1B}[0;1mab\u{1B}[0mcd\n\u{1B}[0;2me\u{1B}[0m\n")
  }

  @Test("links are OSC 8 hyperlinks where allowed, closed where they end")
  func links() {
    var grid = CellGrid(width: 12, height: 1)
    grid.write("see ", row: 0, column: 0)
    grid.write("docs", row: 0, column: 4, style: CellStyle(underline: true, link: "https://swift.org"))
    grid.write(".", row: 0, column: 8)
    #expect(
      ANSIWriter(.rich).text(grid)
        == "see \u{1B}]8;;https://swift.org\u{1B}\\\u{1B}[0;4mdocs\u{1B}]8;;\u{1B}\\\u{1B}[0m.\n")
    #expect(ANSIWriter(Self.extended).text(grid) == "see \u{1B}[0;4mdocs\u{1B}[0m.\n")
  }

  @Test("without colour the text is the characters alone, wide characters once")
  func plain() {
    var grid = CellGrid(width: 10, height: 2)
    grid.write("漢字 red", row: 0, column: 0, style: CellStyle(foreground: .red, link: "x"))
    #expect(ANSIWriter(.plain).text(grid) == "漢字 red\n\n")
    #expect(grid.text(for: .plain) == grid.plainText())
  }
}
