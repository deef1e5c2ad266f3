import Rendering
import Testing

/// Grids compose: one drawn into another at a place, clipped; wide characters never cut in two.
@Suite("CellGrid")
struct CellGridTests {
  let red = CellStyle(foreground: .red)

  @Test("drawing puts a grid at a position, cells and styles included")
  func drawAtPosition() {
    var target = CellGrid(lines: ["..........", "..........", ".........."])
    var part = CellGrid(width: 3, height: 2)
    part.write("abc", row: 0, column: 0, style: red)
    part.write("de", row: 1, column: 0)
    target.draw(part, row: 1, column: 4)
    #expect(target.lines() == ["..........", "....abc...", "....de ..."])
    #expect(target[1, 5].style == red)
    #expect(target[2, 5].style == .plain)
  }

  @Test("what falls past any edge is left out; negative positions cut the top and left")
  func clipping() {
    let part = CellGrid(lines: ["1234", "5678", "9abc"])
    var bottomRight = CellGrid(lines: ["....", "...."])
    bottomRight.draw(part, row: 1, column: 2)
    #expect(bottomRight.lines() == ["....", "..12"])
    var topLeft = CellGrid(lines: ["....", "...."])
    topLeft.draw(part, row: -1, column: -2)
    #expect(topLeft.lines() == ["78..", "bc.."])
    var outside = CellGrid(lines: ["...."])
    outside.draw(part, row: 5, column: 0)
    outside.draw(part, row: 0, column: -10)
    #expect(outside.lines() == ["...."])
  }

  @Test("a wide character cut by the clip becomes a blank, on either edge")
  func wideCharactersAtTheEdges() {
    let wide = CellGrid(lines: ["漢字x"])  // 漢 at 0–1, 字 at 2–3, x at 4
    var right = CellGrid(lines: ["...."])
    right.draw(wide, row: 0, column: 1)  // 漢 fits at 1–2, 字 would need 3–4
    #expect(right.lines() == [".漢"])
    #expect(right[0, 3].width == 1)
    var left = CellGrid(lines: ["...."])
    left.draw(wide, row: 0, column: -1)  // 漢's second half at 0
    #expect(left.lines() == [" 字x"])
    #expect(left[0, 0].width == 1)
  }

  @Test("drawing over half of a wide character blanks its other half")
  func drawingOverWideCharacters() {
    var target = CellGrid(lines: ["漢字漢"])
    target.draw(CellGrid(lines: ["ab"]), row: 0, column: 1)  // over 漢's second half and 字's first
    #expect(target.lines() == [" ab 漢"])
    #expect((0..<6).map { target[0, $0].width } == [1, 1, 1, 1, 2, 0])
    var written = CellGrid(lines: ["漢字"])
    written.write("x", row: 0, column: 2)
    #expect(written.lines() == ["漢x"])
    #expect(written[0, 3].width == 1)
  }

  @Test("fill paints a rectangle, clipped; window cuts a part out for scrolling")
  func fillAndWindow() {
    var grid = CellGrid(lines: ["abcd", "efgh", "ijkl"])
    grid.fill(row: 1, column: 2, width: 5, height: 5, with: Cell("#", style: red))
    #expect(grid.lines() == ["abcd", "ef##", "ij##"])
    #expect(grid[2, 3].style == red)
    #expect(grid.window(row: 1, width: 3, height: 3).lines() == ["ef#", "ij#", ""])
    #expect(grid.window(row: -1, column: 1, width: 2, height: 2).lines() == ["", "bc"])
  }

  @Test("a combining mark joins the character before it; a control character is dropped")
  func combiningMarks() {
    var grid = CellGrid(width: 4, height: 1)
    #expect(grid.write("e\u{301}x", row: 0, column: 0) == 2)
    grid.write("\u{301}", row: 0, column: 2)
    #expect(grid.line(0) == "e\u{301}x")
    var controls = CellGrid(width: 4, height: 1)
    controls.write("a\tb", row: 0, column: 0)
    #expect(controls.line(0) == "ab")
  }
}
