import Rendering

/// What the lesson pager shows, as a plain value: the laid-out lesson, the top row, the search,
/// the message on the status line, whether hidden blocks are revealed. ``update(_:)`` takes a key,
/// ``render()`` draws the screen as a grid; neither does I/O, so the pager is tested without a
/// terminal (``Pager`` runs it on one).
///
/// Keys: `j`/`↓`/Enter down, `k`/`↑` up, Space/`f`/PgDn/Ctrl-F and `b`/PgUp/Ctrl-B by pages,
/// `d`/`u` by half pages, `g`/`<`/Home and `G`/`>`/End, `/` search (Enter searches, Esc or Ctrl-G
/// cancels), `n`/`N` next and previous match, `]`/`}`/Tab and `[`/`{` next and previous heading,
/// `r` reveal the next hidden block (as ``PagerRevealRules`` decide; `y` answers its question),
/// `?`/`h` the key list, `q` (or Ctrl-C) quit.
public struct PagerState {
  /// What a key asks of the runner.
  public enum Effect: Hashable, Sendable {
    /// Draw the new state and go on.
    case stay
    /// Leave the pager.
    case quit
  }

  /// The lesson's title, on the status line.
  public let title: String
  /// Columns of the screen.
  public private(set) var width: Int
  /// Rows of the screen, the status line included.
  public private(set) var height: Int
  /// Which hints, solutions and `<details>` blocks are shown expanded.
  public private(set) var revealed: LessonReveal
  /// The question `r` asked (reveal a solution before the exercise passed?), waiting for `y`.
  public private(set) var question: String?
  /// Whether the key list covers the page.
  public private(set) var showingKeys = false
  /// The lesson's row shown at the top.
  public private(set) var top = 0
  /// The last search.
  public private(set) var query = ""
  /// What the status line says instead of the key help, until the next key.
  public private(set) var message = ""
  /// The search being typed after `/`, nil when none is.
  public private(set) var prompt: String?
  /// The lesson laid out for the screen's width.
  public private(set) var rendering: LessonRendering

  private let layout: (_ width: Int, _ revealed: LessonReveal) -> LessonRendering
  private let rules: PagerRevealRules
  /// Each row's text in lower case, for searching.
  private var searchText: [String] = []

  /// A pager for a screen of `width` × `height`; `layout` lays the lesson out for a width with
  /// some hidden blocks revealed; `rules` say what `r` reveals (by default it shows or hides all).
  public init(
    title: String, width: Int, height: Int, rules: PagerRevealRules = .showOrHideAll,
    layout: @escaping (_ width: Int, _ revealed: LessonReveal) -> LessonRendering
  ) {
    self.title = title
    self.width = max(width, 1)
    self.height = max(height, 1)
    self.rules = rules
    self.revealed = rules.initial
    self.layout = layout
    rendering = LessonRendering(grid: CellGrid(width: 0, height: 0), headingRows: [])
    relayout()
  }

  /// Rows of the lesson on a screen (all but the status line).
  public var pageHeight: Int { max(1, height - 1) }

  private var rows: Int { rendering.grid.height }
  private var maxTop: Int { max(0, rows - pageHeight) }

  /// The lesson is laid out one column narrower than the screen, a margin on the right; at least 20.
  private var layoutWidth: Int { max(20, width - 1) }

  // MARK: Keys

  /// Applies `key`.
  public mutating func update(_ key: Key) -> Effect {
    if prompt != nil {
      typeInPrompt(key)
      return .stay
    }
    message = ""
    if showingKeys {
      // Any key closes the list; it does nothing else.
      showingKeys = false
      return .stay
    }
    if question != nil {
      question = nil
      if key == .character("y") || key == .character("Y") {
        apply(rules.confirmed(revealed))
      } else {
        message = "not shown"
      }
      return .stay
    }
    switch key {
    case .character("q"), .character("Q"), .control("c"): return .quit
    case .character("j"), .down, .enter: scroll(to: top + 1)
    case .character("k"), .up: scroll(to: top - 1)
    case .character(" "), .character("f"), .pageDown, .control("f"): scroll(to: top + pageHeight)
    case .character("b"), .pageUp, .control("b"): scroll(to: top - pageHeight)
    case .character("d"): scroll(to: top + pageHeight / 2)
    case .character("u"): scroll(to: top - pageHeight / 2)
    case .character("g"), .character("<"), .home: top = 0
    case .character("G"), .character(">"), .end: top = maxTop
    case .character("]"), .character("}"), .tab:
      if let next = rendering.headingRows.first(where: { $0 > top }) {
        top = min(maxTop, next)
        if next > maxTop { message = "last heading" }
      } else {
        message = "no more headings"
      }
    case .character("["), .character("{"):
      top = rendering.headingRows.last(where: { $0 < top }) ?? 0
    case .character("/"): prompt = ""
    case .character("n"): search(forward: true, from: top + 1)
    case .character("N"): search(forward: false, from: top - 1)
    case .character("r"): apply(rules.next(revealed))
    case .character("?"), .character("h"): showingKeys = true
    default: break
    }
    return .stay
  }

  /// Takes a new screen size: the lesson is laid out again, the same part of it kept in view.
  public mutating func resize(width: Int, height: Int) {
    self.width = max(width, 1)
    self.height = max(height, 1)
    relayout()
  }

  /// Shows what the rules revealed (keeping the first block newly shown in view), or asks.
  private mutating func apply(_ step: PagerRevealRules.Step) {
    switch step {
    case .show(let shown, let said):
      let before = rendering.grid.lines()
      revealed = shown
      relayout()
      message = said
      // The first row that changed is where the revealed block starts: bring it into view.
      let after = rendering.grid.lines()
      if let changed = after.indices.first(where: { $0 >= before.count || before[$0] != after[$0] }),
        !(top..<(top + pageHeight)).contains(changed)
      {
        scroll(to: changed)
      }
    case .ask(let asked): question = asked
    case .refuse(let said): message = said
    }
  }

  private mutating func scroll(to row: Int) { top = min(maxTop, max(0, row)) }

  private mutating func typeInPrompt(_ key: Key) {
    guard var text = prompt else { return }
    switch key {
    case .enter:
      prompt = nil
      message = ""
      if !text.isEmpty { query = text }
      search(forward: true, from: top)
      return
    case .escape, .control("g"), .control("c"):
      prompt = nil
      return
    case .backspace:
      if text.isEmpty {
        prompt = nil
        return
      }
      text.removeLast()
    case .character(let character): text.append(character)
    default: break
    }
    prompt = text
  }

  private mutating func relayout() {
    let anchor = rows == 0 ? 0 : Double(top) / Double(rows)
    rendering = layout(layoutWidth, revealed)
    searchText = rendering.grid.lines().map { $0.lowercased() }
    top = min(maxTop, Int(anchor * Double(rows)))
  }

  private mutating func search(forward: Bool, from start: Int) {
    guard !query.isEmpty else {
      message = "no search pattern"
      return
    }
    let needle = query.lowercased()
    let indices = searchText.indices
    let order =
      forward
      ? Array(indices.filter { $0 >= start } + indices.filter { $0 < start })
      : Array(indices.filter { $0 <= start }.reversed() + indices.filter { $0 > start }.reversed())
    if let found = order.first(where: { searchText[$0].contains(needle) }) {
      top = min(maxTop, found)
      if (forward && found < start) || (!forward && found > start) { message = "search wrapped" }
    } else {
      message = "pattern not found: \(query)"
    }
  }

  // MARK: Drawing

  /// The keys, as the `?` list shows them.
  public static let keyList: [(keys: String, action: String)] = [
    ("j k ↓ ↑ Enter", "a line down or up"),
    ("Space f b PgDn PgUp", "a page down or up"),
    ("d u", "half a page down or up"),
    ("g G Home End", "the top or the end"),
    ("] [ Tab", "the next or previous heading"),
    ("/ n N", "search, next and previous match"),
    ("r", "reveal the next hint or solution"),
    ("? h", "this list"),
    ("q", "quit"),
  ]

  /// The screen: a page of the lesson with the search's matches in inverse video, and the status
  /// line (or the search being typed, or a question) at the bottom; the key list over the page
  /// after `?`.
  public func render() -> CellGrid {
    var screen = CellGrid(width: width, height: height)
    screen.draw(rendering.grid.window(row: top, width: width, height: min(pageHeight, height)), row: 0, column: 0)
    if !query.isEmpty { highlightMatches(in: &screen) }
    if showingKeys { drawKeyList(on: &screen) }
    let statusRow = pageHeight
    guard statusRow < height else { return screen }
    if let prompt {
      screen.write("/" + prompt, row: statusRow, column: 0)
      return screen
    }
    let bar = CellStyle(inverse: true)
    screen.fill(row: statusRow, column: 0, width: width, height: 1, with: Cell(" ", style: bar))
    if let question {
      screen.write(" " + question + " (y/n) ", row: statusRow, column: 0, limit: width, style: bar)
      return screen
    }
    // How to leave and how to find the keys are always there, at the right. What gives way when
    // the line is short: the key hints, then the title, then the position; a message stays longest.
    let keys = " ? keys  q quit "
    let room = width - keys.count
    let total = rows
    let last = min(total, top + pageHeight)
    let percent = total == 0 ? 100 : last * 100 / total
    let position = "lines \(min(total, top + 1))–\(last) of \(total) (\(percent)%)"
    let said = message.isEmpty ? "" : "  " + message
    var left = " \(title) — \(position)\(said)"
    if left.count > room {
      let titleRoom = room - (" — \(position)\(said)".count + 1)
      if titleRoom >= 4 {
        left = " \(title.prefix(titleRoom - 1))… — \(position)\(said)"
      } else if " \(position)\(said)".count <= room {
        left = " \(position)\(said)"
      } else {
        left = " " + message
      }
    }
    if message.isEmpty {
      for hint in ["  / search", rules.offered ? "  r reveal" : "", "  ] heading"] where left.count + hint.count <= room
      { left += hint }
    }
    screen.write(left, row: statusRow, column: 0, limit: max(0, room), style: bar)
    screen.write(keys, row: statusRow, column: max(0, width - keys.count), style: bar)
    return screen
  }

  /// The key list in a box over the page.
  private func drawKeyList(on screen: inout CellGrid) {
    let keysWidth = Self.keyList.map(\.keys.count).max() ?? 0
    let lines =
      Self.keyList.map { $0.keys + String(repeating: " ", count: keysWidth - $0.keys.count) + "  " + $0.action }
      + ["", "any key closes this list"]
    let inner = min(width - 4, lines.map(\.count).max() ?? 0)
    let boxHeight = min(pageHeight, lines.count + 2)
    guard inner > 0, boxHeight >= 3 else { return }
    let left = max(0, (width - inner - 4) / 2)
    let topRow = max(0, (pageHeight - boxHeight) / 2)
    screen.fill(row: topRow, column: left, width: inner + 4, height: boxHeight, with: .blank)
    let border = CellStyle(bold: true)
    screen.write("┌" + String(repeating: "─", count: inner + 2) + "┐", row: topRow, column: left, style: border)
    for (index, line) in lines.prefix(boxHeight - 2).enumerated() {
      let row = topRow + 1 + index
      screen.write("│", row: row, column: left, style: border)
      screen.write(line, row: row, column: left + 2, limit: inner)
      screen.write("│", row: row, column: left + inner + 3, style: border)
    }
    screen.write(
      "└" + String(repeating: "─", count: inner + 2) + "┘", row: topRow + boxHeight - 1, column: left, style: border)
  }

  /// Inverts the cells of each match of ``query`` on the page, ignoring case.
  private func highlightMatches(in screen: inout CellGrid) {
    let needle = query.map { $0.lowercased() }
    for row in 0..<min(pageHeight, height) {
      var columns: [Int] = []
      var characters: [String] = []
      for column in 0..<width where screen[row, column].width > 0 {
        columns.append(column)
        characters.append(screen[row, column].character.lowercased())
      }
      guard characters.count >= needle.count else { continue }
      for start in 0...(characters.count - needle.count)
      where characters[start..<(start + needle.count)].elementsEqual(needle) {
        for offset in 0..<needle.count {
          let column = columns[start + offset]
          screen[row, column].style.inverse = true
          if screen[row, column].width == 2, column + 1 < width { screen[row, column + 1].style.inverse = true }
        }
      }
    }
  }
}
