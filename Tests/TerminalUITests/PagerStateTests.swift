import LessonText
import Rendering
import Testing
import TerminalUI

/// The pager as a plain value: keys in, screens out, no terminal.
@Suite("PagerState")
struct PagerStateTests {
  static let lesson = """
    Reading leaks
    =============

    The first paragraph.

    Second heading
    --------------

    Look for the word NEEDLE here.

    .. course-hint::

       Look at the dictionary.

    Third heading
    -------------

    """ + (1...30).map { "Filler paragraph \($0)." }.joined(separator: "\n\n") + "\n"

  static let document = LessonDocument(parsing: lesson)

  /// A pager of 70 × 10: 9 rows of lesson and the status line.
  func pager(width: Int = 70, height: Int = 10) -> PagerState {
    PagerState(title: "Leaks", width: width, height: height) { width, revealed in
      LessonRenderer(options: .init(width: width, hintCommand: "workshop hint 1", revealed: revealed))
        .render(Self.document)
    }
  }

  func press(_ state: inout PagerState, _ keys: Key...) {
    for key in keys { #expect(state.update(key) == .stay) }
  }

  func type(_ state: inout PagerState, _ text: String) {
    for character in text { press(&state, .character(character)) }
  }

  func status(_ state: PagerState) -> String { state.render().line(state.height - 1) }
  func firstLine(_ state: PagerState) -> String { state.render().line(0) }

  @Test("the first page and the status line with the key help")
  func firstPage() {
    let state = pager()
    let screen = state.render()
    #expect(screen.width == 70 && screen.height == 10)
    #expect(screen.line(0) == "Reading leaks")
    #expect(screen.line(2) == "")
    #expect(screen.line(3) == "The first paragraph.")
    let total = state.rendering.grid.height
    #expect(status(state).hasPrefix(" Leaks — lines 1–9 of \(total) (\(900 / total)%)  / search"))
    #expect(screen[9, 69].style.inverse, "the status bar spans the width")
    #expect(!screen[8, 0].style.inverse)
  }

  @Test("scrolling by lines, pages and half pages stays within the lesson")
  func scrolling() {
    var state = pager()
    let maxTop = state.rendering.grid.height - 9
    press(&state, .character("j"), .down, .enter)
    #expect(state.top == 3)
    press(&state, .character("k"), .up)
    #expect(state.top == 1)
    press(&state, .character(" "))
    #expect(state.top == 10)
    press(&state, .pageDown, .character("f"), .control("f"))
    #expect(state.top == 37)
    press(&state, .character("b"), .pageUp, .control("b"))
    #expect(state.top == 10)
    press(&state, .character("d"))
    #expect(state.top == 14)
    press(&state, .character("u"))
    #expect(state.top == 10)
    press(&state, .character("G"))
    #expect(state.top == maxTop)
    #expect(status(state).contains("lines \(maxTop + 1)–\(maxTop + 9) of \(maxTop + 9) (100%)"))
    press(&state, .character("j"), .pageDown, .end, .character(">"))
    #expect(state.top == maxTop)
    press(&state, .character("g"))
    #expect(state.top == 0)
    press(&state, .character("k"), .pageUp, .home, .character("<"))
    #expect(state.top == 0)
    press(&state, .character("G"), .home)
    #expect(state.top == 0)
  }

  @Test("] and [ jump between headings; past the last one the status says so")
  func headings() {
    var state = pager()
    let headings = state.rendering.headingRows
    #expect(headings.count == 3)
    press(&state, .character("]"))
    #expect(firstLine(state) == "Second heading")
    press(&state, .tab)
    #expect(firstLine(state) == "Third heading")
    press(&state, .character("]"))
    #expect(status(state).contains("no more headings"))
    press(&state, .character("["))
    #expect(firstLine(state) == "Second heading")
    press(&state, .character("{"))
    #expect(state.top == 0)
    press(&state, .character("j"))
    press(&state, .character("["))
    #expect(state.top == 0, "before the first heading: the top")
  }

  @Test("/ types a search on the status line; Enter finds it and inverts the match")
  func search() {
    var state = pager()
    press(&state, .character("/"))
    type(&state, "needlx")
    press(&state, .backspace)
    type(&state, "e")
    #expect(state.prompt == "needle")
    #expect(status(state) == "/needle")
    #expect(firstLine(state) == "Reading leaks", "the page stays while typing")
    press(&state, .enter)
    #expect(state.prompt == nil)
    #expect(firstLine(state) == "Look for the word NEEDLE here.")
    let screen = state.render()
    #expect((18..<24).allSatisfy { screen[0, $0].style.inverse }, "NEEDLE inverted")
    #expect(!screen[0, 17].style.inverse && !screen[0, 24].style.inverse)
    #expect(status(state).contains("/ search"))
  }

  @Test("n and N find the next and previous match, wrapping with a message")
  func nextAndPrevious() {
    var state = pager()
    press(&state, .character("/"))
    type(&state, "Filler paragraph 1")  // 1, 10 to 19
    press(&state, .enter)
    #expect(firstLine(state) == "Filler paragraph 1.")
    press(&state, .character("n"))
    #expect(firstLine(state) == "Filler paragraph 10.")
    press(&state, .character("N"))
    #expect(firstLine(state) == "Filler paragraph 1.")
    press(&state, .character("N"))
    #expect(status(state).contains("search wrapped"))
    press(&state, .character("g"), .character("N"))
    #expect(status(state).contains("search wrapped"))
    press(&state, .character("/"))
    type(&state, "no such text")
    press(&state, .enter)
    #expect(status(state).contains("pattern not found: no such text"))
  }

  @Test("Esc, Ctrl-G and Backspace on nothing cancel the search; n without one says so")
  func cancelledSearch() {
    var state = pager()
    press(&state, .character("n"))
    #expect(status(state).contains("no search pattern"))
    press(&state, .character("/"), .character("x"), .escape)
    #expect(state.prompt == nil && state.query.isEmpty)
    press(&state, .character("/"), .control("g"))
    #expect(state.prompt == nil)
    press(&state, .character("/"), .backspace)
    #expect(state.prompt == nil)
    #expect(state.top == 0)
  }

  @Test("r reveals the hint and hides it again, saying so")
  func reveal() {
    var state = pager(width: 90, height: 30)
    #expect(!state.rendering.plainText.contains("Look at the dictionary."))
    press(&state, .character("r"))
    #expect(state.revealed == .everything)
    #expect(state.rendering.plainText.contains("Look at the dictionary."))
    #expect(status(state).contains("hints and solutions revealed"))
    press(&state, .character("r"))
    #expect(!state.rendering.plainText.contains("Look at the dictionary."))
    #expect(status(state).contains("hints and solutions hidden"))
    press(&state, .character("j"))
    #expect(status(state).contains("q quit"), "a message lasts until the next key")
  }

  static let courseLesson = """
    Cycles
    ======

    .. course-hint::

       Draw the objects.

    .. course-hint::

       A capture list.

    """ + (1...30).map { "Filler paragraph \($0)." }.joined(separator: "\n\n") + """


      .. solution:: Solution 1: ``[weak self]``

         Write WEAKSELF in the closure.

      """

  /// A pager on `courseLesson` with rules that count like the course's: `counted` records each
  /// hint and solution the rules gave out.
  final class Counter {
    var hints = 0
    var solutions = 0
  }

  func coursePager(width: Int, height: Int, counter: Counter) -> PagerState {
    let document = LessonDocument(parsing: Self.courseLesson)
    let rules = PagerRevealRules(
      initial: .nothing,
      next: { shown in
        var more = shown
        if shown.hints < 2 {
          counter.hints += 1
          more.hints += 1
          return .show(more, message: "hint \(more.hints) of 2 revealed")
        }
        return shown.solutions
          ? .refuse(message: "nothing more to reveal") : .ask(question: "Show its solutions anyway?")
      },
      confirmed: { shown in
        counter.solutions += 1
        var more = shown
        more.solutions = true
        return .show(more, message: "solutions revealed")
      })
    return PagerState(title: "Cycles", width: width, height: height, rules: rules) { width, revealed in
      LessonRenderer(options: .init(width: width, hintCommand: "workshop hint 4", revealed: revealed))
        .render(document)
    }
  }

  @Test("r reveals one hint at a time, asks before the solution, and hides the solution's title")
  func revealByRules() {
    let counter = Counter()
    var state = coursePager(width: 80, height: 24, counter: counter)
    var text = state.rendering.plainText
    #expect(!text.contains("Draw the objects.") && !text.contains("A capture list."))
    #expect(text.contains("Solution 1 -- hidden"))
    #expect(!text.contains("weak self"), "the collapsed solution does not give the answer away")
    press(&state, .character("r"))
    text = state.rendering.plainText
    #expect(text.contains("Draw the objects.") && !text.contains("A capture list."))
    #expect(counter.hints == 1)
    #expect(status(state).contains("hint 1 of 2 revealed"))
    press(&state, .character("r"))
    #expect(state.rendering.plainText.contains("A capture list."))
    press(&state, .character("r"))
    #expect(status(state).contains("Show its solutions anyway? (y/n)"))
    press(&state, .character("n"))
    #expect(counter.solutions == 0 && !state.rendering.plainText.contains("WEAKSELF"))
    #expect(status(state).contains("not shown"))
    press(&state, .character("r"), .character("y"))
    #expect(counter.solutions == 1)
    #expect(state.rendering.plainText.contains("WEAKSELF"))
    #expect(state.render().lines().contains { $0.contains("WEAKSELF") }, "the revealed solution is scrolled into view")
    press(&state, .character("r"))
    #expect(status(state).contains("nothing more to reveal"))
  }

  @Test("the status line always shows ? keys and q quit", arguments: [80, 100, 40])
  func statusLineKeys(width: Int) {
    let counter = Counter()
    var state = coursePager(width: width, height: 24, counter: counter)
    #expect(status(state).hasSuffix("? keys  q quit"))
    press(&state, .character("r"))
    #expect(status(state).hasSuffix("? keys  q quit"))
    let long = PagerState(title: String(repeating: "A very long lesson title ", count: 6), width: width, height: 24) {
      width, revealed in LessonRenderer(options: .init(width: width, revealed: revealed)).render(Self.document)
    }
    #expect(status(long).hasSuffix("? keys  q quit"))
    #expect(status(long).contains("lines 1–23 of"))
  }

  @Test("? and h show the key list over the page; any key closes it", arguments: [Character("?"), "h"])
  func keyList(key: Character) {
    var state = pager(width: 80, height: 24)
    press(&state, .character(key))
    let shown = state.render().plainText()
    #expect(shown.contains("reveal the next hint or solution"))
    #expect(shown.contains("quit"))
    press(&state, .character("G"))
    #expect(!state.render().plainText().contains("reveal the next hint or solution"))
    #expect(state.top == 0, "the key that closes the list does nothing else")
  }

  @Test("a resize lays the lesson out again and keeps the place")
  func resize() {
    var state = pager()
    press(&state, .character("]"), .character("]"))
    let share = Double(state.top) / Double(state.rendering.grid.height)
    state.resize(width: 30, height: 6)
    let screen = state.render()
    #expect(screen.width == 30 && screen.height == 6)
    #expect(state.rendering.grid.width == 29, "laid out one column narrower than the screen")
    #expect(state.pageHeight == 5)
    #expect(abs(Double(state.top) / Double(state.rendering.grid.height) - share) < 0.02)
    #expect(screen.line(5).hasSuffix("? keys  q quit"), "how to quit stays even at 30 columns")
    state.resize(width: 5, height: 1)
    #expect(state.rendering.grid.width == 20, "never narrower than 20 columns")
    #expect(state.render().height == 1)
  }

  @Test("q and Ctrl-C quit")
  func quit() {
    var state = pager()
    #expect(state.update(.character("q")) == .quit)
    #expect(state.update(.control("c")) == .quit)
  }
}
