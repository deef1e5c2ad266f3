import Foundation
import LessonText
import Testing

@Suite("Broken input")
struct RobustnessTests {
  static let broken: [String] = [
    "", "\n\n\n", "=", "==\n==", "====\n", "====\nTitle", "====\nTitle\n----", "Title\n=\n", "..", ".. ::",
    ".. code::", ".. code::\n", ".. raw:: html\n\n   </details>", ".. raw:: html\n\n   <details><summary>",
    "``", "`", "*", "**", "***", ":", "::", ":::", ":a:", ":a:`", "`a <`_", "`<>`_", "`a`__", "__", "|", "|a|",
    "[1]_", "a_", "_`", "\\", "\\\\", "- ", "-", "1.", "1.\n2.", "#.", "(i", "+-+", "+-+\n| |\n+-+", "+--+--+\n|a|\n",
    "=== ===\na b", "=== ===\n", "\t\tx", "\r\n\r\n", "a\r\n====", ".. |x| replace::", ".. _a:", ".. __:",
    ".. [1]", ".. list-table::\n\n   * a", ".. image::", ".. figure::", ".. admonition::", "  \u{301}", "a\n\u{301}==",
    String(repeating: " ", count: 200) + "x\n" + String(repeating: " ", count: 100) + "y",
    (0..<300).map { String(repeating: " ", count: $0) + "- x" }.joined(separator: "\n"),
    (0..<300).map { _ in ".. note::" }.enumerated().map { String(repeating: " ", count: $0.offset * 3) + $0.element }
      .joined(separator: "\n"),
    String(repeating: "*a ", count: 2000), String(repeating: "`", count: 3000),
    String(repeating: "<details>", count: 100),
  ]

  @Test("Hand-made broken inputs read without crashing", arguments: broken)
  func brokenInput(_ source: String) {
    let document = LessonDocument(parsing: source, file: "broken.rst")
    _ = document.json()
    _ = document.root.debugDescription
  }

  @Test("Random mutations of a lesson read without crashing and in bounded time")
  func randomMutations() {
    let base = """
      Title
      =====

      Para with *emph*, **strong**, ``lit``, :doc:`x <y>`, `link <http://a>`_ and ref_.

      - item

        1. nested
        #. auto

      .. note:: body

         more

      .. raw:: html

         <details><summary>S</summary><pre>code</pre>

      text

      .. raw:: html

         </details>

      +---+---+
      | a | b |
      +===+===+
      | c | d |
      +---+---+

      ===  ===
      a    b
      ===  ===

      .. _ref: http://r
      """
    var generator = SplitMix(seed: 42)
    let alphabet = Array(" \n\t`*_:|<>-=+#.()[]\\abc1ià漢")
    let start = Date()
    for _ in 0..<1500 {
      var chars = Array(base)
      for _ in 0..<Int(generator.next() % 8 + 1) {
        let position = Int(generator.next() % UInt64(chars.count))
        switch generator.next() % 3 {
        case 0: chars.remove(at: position)
        case 1: chars.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: position)
        default: chars[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
        }
      }
      _ = LessonDocument(parsing: String(chars)).json()
    }
    #expect(Date().timeIntervalSince(start) < 60)
  }

  @Test("Mutated and big grid tables give a full rectangular grid of cells or \"Malformed table.\", in bounded time")
  func gridTables() {
    let base = """
      +------+------+-----+
      | H 1  | H 2  | H 3 |
      +======+======+=====+
      | a    | b          |
      +------+------+-----+
      | c    | spans| - x |
      +------+ rows | - y |
      | d    |      | - z |
      +------+------+-----+
      """
    var generator = SplitMix(seed: 7)
    let alphabet = Array("+-|= \n")
    let start = Date()
    var tables = 0
    var malformed = 0
    for _ in 0..<3000 {
      var chars = Array(base)
      for _ in 0..<Int(generator.next() % 3 + 1) {
        chars[Int(generator.next() % UInt64(chars.count))] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
      }
      let document = LessonDocument(parsing: String(chars))
      malformed += document.diagnostics.filter { $0.message == "Malformed table." }.count
      for table in document.root.children where { if case .table = table.kind { true } else { false } }() {
        tables += 1
        #expect(isFullGrid(table), "\(String(chars))")
      }
    }
    #expect(tables > 100 && malformed > 100)
    // A dense 120 × 120 grid, and one whose inner rules are all broken (every cell spans every row).
    let dense = (0...240).map {
      $0 % 2 == 0 ? "+" + String(repeating: "-+", count: 120) : "|" + String(repeating: " |", count: 120)
    }
    let broken = dense.enumerated().map {
      $0.offset % 2 == 0 && $0.offset % 240 != 0 ? "+" + String(repeating: " +", count: 120) : $0.element
    }
    for lines in [dense, broken] {
      let document = LessonDocument(parsing: lines.joined(separator: "\n"))
      #expect(document.diagnostics.isEmpty)
      #expect(document.root.children.first.map(isFullGrid) == true)
    }
    #expect(Date().timeIntervalSince(start) < 60)
  }

  /// Whether a table's cells, placed by their spans, cover the same number of columns in every row
  /// with no overlap and no span running past the last row.
  func isFullGrid(_ table: Node) -> Bool {
    var taken: [Set<Int>] = Array(repeating: [], count: table.children.count)
    for (row, node) in table.children.enumerated() {
      var column = 0
      for cell in node.children {
        guard case .tableCell(let columns, let rows) = cell.kind, row + rows <= taken.count else { return false }
        while taken[row].contains(column) { column += 1 }
        for r in row..<(row + rows) {
          for c in column..<(column + columns) where !taken[r].insert(c).inserted { return false }
        }
        column += columns
      }
    }
    return Set(taken.map { $0.count }).count == 1 && taken.allSatisfy { $0.count == ($0.max() ?? -1) + 1 }
  }
}

/// A small deterministic generator for the mutation test.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Inputs that made the reader quadratic (issue 11, item 8): each must read in linear time. The
/// bounds are generous for a debug build on a busy machine; the quadratic reader took 14 to 66 s.
@Suite("Linear time on hostile input")
struct LinearTimeTests {
  static let hostile: [(name: String, source: String)] = [
    ("unclosed emphasis", String(repeating: "*a ", count: 8000)),
    ("unclosed substitutions", String(repeating: "|a ", count: 8000)),
    ("unclosed roles", String(repeating: ":r:`a ", count: 4000)),
    ("unclosed footnote references", String(repeating: "[a ", count: 8000) + "]_"),
    ("mixed", String(repeating: "*a |a `a :r:`a [a ``a _`a ", count: 1500)),
    ("colons", String(repeating: ":", count: 30000)),
    ("list nested 2,000 deep", (0..<2000).map { String(repeating: "  ", count: $0) + "- x\n" }.joined(separator: "\n")),
    (
      "block quotes nested 2,000 deep",
      (0..<2000).map { String(repeating: " ", count: $0) + "x\n" }.joined(separator: "\n")
    ),
  ]

  @Test("hostile input reads in bounded time", .timeLimit(.minutes(3)), arguments: hostile.indices)
  func bounded(_ index: Int) {
    let (name, source) = Self.hostile[index]
    let start = ContinuousClock.now
    let document = LessonDocument(parsing: source, file: "hostile.rst")
    let elapsed = ContinuousClock.now - start
    #expect(elapsed < .seconds(8), "\(name): \(elapsed)")
    #expect(!document.root.children.isEmpty)
  }

  @Test("nesting past 64 levels is shown verbatim with an error")
  func nestingBound() {
    let source = (0..<100).map { String(repeating: "  ", count: $0) + "- x\n" }.joined(separator: "\n")
    let document = LessonDocument(parsing: source, file: "deep.rst")
    #expect(document.diagnostics.map(\.message).contains("Nesting too deep; the rest of this block is shown verbatim."))
  }

  @Test("a file past 4 MiB is read up to its last line break before 4 MiB, with an error")
  func sizeBound() {
    let line = String(repeating: "word ", count: 19) + "\n\n"
    let source = String(repeating: line, count: (5 << 20) / line.utf8.count)
    let document = LessonDocument(parsing: source, file: "big.rst")
    let error = document.diagnostics.last
    #expect(
      error?.message == "The file holds 5.0 MiB: only its first 4 MiB (86479 lines) are read.",
      "\(String(describing: error))")
  }
}
