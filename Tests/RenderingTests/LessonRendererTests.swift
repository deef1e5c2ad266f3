import Foundation
import LessonText
import Rendering
import Testing
import TextWidth

func render(
  _ source: String, width: Int = 60, capabilities: TerminalCapabilities = .plain, reveal: Bool = false
) -> LessonRendering {
  LessonRenderer(
    options: .init(width: width, capabilities: capabilities, reveal: reveal, hintCommand: "workshop hint 3")
  )
  .render(LessonDocument(parsing: source))
}

/// The style of the cells where `text` first appears on `row`, when they all have one.
func style(of text: String, row: Int, in grid: CellGrid) -> CellStyle? {
  let line = grid.line(row)
  guard let range = line.range(of: text) else { return nil }
  let column = DisplayWidth.of(line[..<range.lowerBound])
  let styles = Set((column..<(column + DisplayWidth.of(text))).map { grid[row, $0].style })
  return styles.count == 1 ? styles.first : nil
}

@Suite("Lesson renderer")
struct LessonRendererTests {
  @Test("Paragraphs wrap to the width; wide characters take two columns")
  func wrapping() {
    let grid = render("Word " + String(repeating: "漢字 ", count: 30), width: 20).grid
    #expect(grid.width == 20)
    for line in grid.lines() { #expect(DisplayWidth.of(line) <= 20) }
    #expect(grid.height > 3)
    #expect(grid.line(1).hasPrefix("漢字"))
    #expect(grid[1, 0].width == 2 && grid[1, 1].width == 0 && grid[1, 2].width == 2)
  }

  @Test("Lists hang their text under the marker")
  func hangingIndent() {
    let text = render("- " + String(repeating: "word ", count: 20), width: 30).plainText
    let lines = text.split(separator: "\n")
    #expect(lines[0].hasPrefix("- word"))
    #expect(lines[1].hasPrefix("  word"))
  }

  @Test("Code blocks stay verbatim and are coloured for Swift and shell")
  func code() {
    let source = ".. code-block:: swift\n\n   let x = \"s\"  // c\n\n.. code:: shell\n\n   echo $HOME | wc -l\n"
    let plain = render(source, width: 10).plainText
    #expect(plain.contains("    let x = \"s\"  // c"))
    let rich = render(source, capabilities: .rich).grid
    #expect(style(of: "let", row: 0, in: rich)?.bold == true)
    #expect(style(of: "\"s\"", row: 0, in: rich)?.foreground == .green)
    #expect(style(of: "$HOME", row: 2, in: rich)?.foreground == .cyan)
    #expect(rich.line(0) == "    let x = \"s\"  // c")
  }

  @Test("Hints collapse to one line until revealed")
  func hints() {
    let source = ".. course-hint::\n\n   Secret.\n\n.. course-hint::\n\n   Other.\n"
    let collapsed = render(source, capabilities: .rich).plainText
    #expect(collapsed.contains("▸ Hint 2 — reveal with `workshop hint 3 2`"))
    #expect(!collapsed.contains("Secret"))
    #expect(render(source, reveal: true).plainText.contains("Secret."))
    // The renderer spells no command of its own: without the front end's, a hint is just hidden.
    let bare = LessonRenderer(options: .init(width: 60)).render(
      LessonDocument(parsing: ".. exercise:: exercise_3\n\n" + source + "\n.. solution::\n\n   S.\n")
    ).plainText
    #expect(bare.contains("Hint 1 -- hidden") && bare.contains("Solution 1 -- hidden"), "\(bare)")
    #expect(!bare.contains("workshop"))
  }

  @Test("Admonitions are framed; links show their URL and carry an OSC 8 hyperlink")
  func framesAndLinks() {
    let text = render(".. warning:: Careful, `Swift <https://swift.org>`_.", width: 40, capabilities: .rich)
    #expect(text.grid.line(0).hasPrefix("┌─ Warning ─"))
    #expect(text.grid.lines().allSatisfy { DisplayWidth.of($0) == 40 })
    #expect(text.plainText.contains("Swift <https://swift.org>"))
    #expect(style(of: "Swift", row: 1, in: text.grid)?.link == "https://swift.org")
    #expect(text.grid.text(for: .rich).contains("\u{1B}]8;;https://swift.org\u{1B}\\"))
    var noLinks = TerminalCapabilities.rich
    noLinks.hyperlinks = false
    #expect(!text.grid.text(for: noLinks).contains("\u{1B}]8;;"))
  }

  @Test("Headings are styled by level and recorded for the pager")
  func headings() {
    let text = render("One\n===\n\nText.\n\nTwo\n---\n\nMore.\n", width: 20)
    #expect(text.plainText.hasPrefix("One\n" + String(repeating: "=", count: 20) + "\n"))
    #expect(text.headingRows == [0, 5])
  }

  @Test("Tables are drawn with borders")
  func tables() {
    let text = render("=====  =====\nA      B\n=====  =====\n1      one\n=====  =====\n").plainText
    #expect(text.contains("| A | B   |"))
    #expect(text.contains("| 1 | one |"))
  }

  static let rowSpanTable = """
    +------------+------------+-----------+
    | Header 1   | Header 2   | Header 3  |
    +============+============+===========+
    | body row 1 | column 2   | column 3  |
    +------------+------------+-----------+
    | body row 2 | Cells may span columns.|
    +------------+------------+-----------+
    | body row 3 | Cells may  | - Cells   |
    +------------+ span rows. | - contain |
    | body row 4 |            | - blocks. |
    +------------+------------+-----------+

    """

  @Test("A cell spanning rows is drawn once, across its rows, with no rule inside it")
  func rowSpanningCells() {
    let text = render(Self.rowSpanTable).plainText
    #expect(
      text == """
        +------------+----------------------+-----------+
        | Header 1   | Header 2             | Header 3  |
        +============+======================+===========+
        | body row 1 | column 2             | column 3  |
        +------------+----------------------+-----------+
        | body row 2 | Cells may span columns.          |
        +------------+----------------------+-----------+
        | body row 3 | Cells may span rows. | - Cells   |
        +------------+                      | - contain |
        | body row 4 |                      | - blocks. |
        +------------+----------------------+-----------+

        """)
  }

  @Test("A cell spanning rows and columns gets Unicode corners that match, and flows down when narrow")
  func rowAndColumnSpanningCell() {
    let source = """
      +-------+-------+-------+
      | a     | Spans both    |
      +-------+ rows and both |
      | b     | columns.      |
      +-------+-------+-------+
      | c     | d     | e     |
      +-------+-------+-------+

      """
    let rich = render(source, capabilities: .rich).grid.lines()
    #expect(
      rich == [
        "┌───┬───────────────────────────────────┐", "│ a │ Spans both rows and both columns. │",
        "├───┤                                   │", "│ b │                                   │",
        "├───┼─────────────────┬─────────────────┤", "│ c │ d               │ e               │",
        "└───┴─────────────────┴─────────────────┘",
      ])
    let narrow = render(source, width: 24).plainText
    #expect(
      narrow == """
        +---+-----------------+
        | a | Spans both rows |
        +---+ and both        |
        | b | columns.        |
        +---+--------+--------+
        | c | d      | e      |
        +---+--------+--------+

        """)
  }

  @Test("Spans that run past the table or into another cell are cut short, not drawn over")
  func inconsistentSpans() {
    var document = LessonDocument(parsing: "+---+\n| x |\n+---+\n")
    func cell(_ text: String, columns: Int, rows: Int) -> Node {
      Node(
        .tableCell(columnSpan: columns, rowSpan: rows), line: 1, children: [Node(.paragraph([.text(text)]), line: 1)])
    }
    document.root.children = [
      Node(
        .table(title: []), line: 1,
        children: [
          Node(
            .tableRow(header: false), line: 1,
            children: [cell("a", columns: 1, rows: 9), cell("b", columns: 1, rows: 1)]),
          Node(.tableRow(header: false), line: 2, children: [cell("c", columns: 3, rows: 1)]),
          Node(.tableRow(header: false), line: 3, children: []),
          Node(.tableRow(header: true), line: 4, children: [cell("d", columns: .max, rows: .max)]),
        ])
    ]
    let lines = LessonRenderer(options: .init(width: 40, capabilities: .plain, reveal: false, hintCommand: "h"))
      .render(document).grid.lines()
    #expect(Set(lines.map(DisplayWidth.of)).count == 1)
    #expect(lines.filter { $0.contains(" a ") }.count == 1)
    #expect(lines.filter { $0.contains(" c ") }.count == 1)
  }

  @Test("The seed pages render with their code verbatim", .enabled(if: FileManager.default.fileExists(atPath: seeds)))
  func seedPages() throws {
    for name in try FileManager.default.contentsOfDirectory(atPath: seeds).sorted() {
      let source = try String(contentsOfFile: seeds + "/" + name, encoding: .utf8)
      let text = render(source, width: 100, reveal: true).plainText
      #expect(text.contains("    def fibonacci(length):") || text.contains("    class Algorithms:"))
      #expect(!render(source, width: 100).plainText.contains("def fibonacci(length):"))
    }
  }
}

let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/seeds").path
