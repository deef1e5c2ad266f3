import LessonText
import MemoryAnalysis
import Rendering
import Symbols
import Testing
import TerminalUI
import WorkshopKit

@testable import CourseUI

/// `workshop start`'s screen as plain state and pure drawing: keys in, commands and text out.
@Suite("course screen")
struct CourseScreenStateTests {
  static let cards = [
    ExerciseCard(
      number: 1, name: "exercise_1", title: "Fibonacci without the arrays",
      limit: .init(measure: .peak, value: 102_400),
      hintCount: 3),
    ExerciseCard(
      number: 2, name: "exercise_2", title: "Clinging onto memory", limit: .init(measure: .peak, value: 6_000_000),
      hintCount: 3),
    ExerciseCard(
      number: 3, name: "exercise_3", title: "Death by allocations", limit: .init(measure: .allocations, value: 12_500),
      hintCount: 2),
  ]

  static let lesson = LessonDocument(
    parsing: """
      Lesson 1
      ========

      .. exercise:: exercise_1

      First paragraph about arrays.

      Second section
      --------------

      \((1...60).map { "Filler line \($0) of the lesson." }.joined(separator: "\n\n"))
      """)

  private func state(
    width: Int = 80, height: Int = 24, cards: [ExerciseCard] = Self.cards, current: Int = 0, welcome: Bool = false
  ) -> CourseScreenState {
    var state = CourseScreenState(
      exercises: cards, current: current, width: width, height: height, capabilities: .plain, welcome: welcome)
    state.open(current, lesson: Self.lesson)
    return state
  }

  private func text(_ state: CourseScreenState) -> [String] { CourseScreen.render(state).lines() }

  @Test("80×24: the header, the tabs, the lesson, and the keys that apply, ending with ? keys and q quit")
  func narrowScreen() {
    let lines = text(state())
    #expect(lines.count == 24)
    #expect(lines[0].hasPrefix(" workshop · exercise 1 of 3: Fibonacci without the arrays"))
    #expect(lines[0].hasSuffix("[...] 0/3 passed"))
    #expect(lines[1] == " limit: peak 100.0 KiB · last: not checked yet · new · hints 0/3")
    #expect(lines[2].hasPrefix(" [Lesson]  Check   Hints"))
    #expect(lines[3] == "Lesson 1")
    #expect(lines[23].hasPrefix(" c check  h hint  s solution  x reset"))
    #expect(lines[23].hasSuffix("? keys  q quit"))
    #expect(!lines[23].contains("n next"), "n does not apply before a pass")
  }

  @Test("200×60: the lesson and the check side by side")
  func wideScreen() {
    let lines = text(state(width: 200, height: 60))
    #expect(lines.count == 60)
    #expect(lines[3].hasPrefix("Lesson 1"))
    #expect(Array(lines[3])[99] == "|", "the separator at column 99")
    #expect(lines[3].hasSuffix("|Press c to check exercise_1: its correctness cases, then its workload's memory."))
  }

  @Test("below 80×24 it says how large it needs to be, and comes back")
  func tooSmall() {
    var state = state(width: 40, height: 10)
    let lines = text(state).map { $0.trimmingPrefix(while: { $0 == " " }) }.filter { !$0.isEmpty }
    #expect(lines.joined(separator: " ").contains("The terminal is 40×10; workshop start needs at least 80×24."))
    #expect(lines.allSatisfy { $0.count <= 40 })
    #expect(state.handle(.character("c")).isEmpty, "no action on a screen too small")
    #expect(state.handle(.character("q")) == [.quit])
    state.resize(width: 80, height: 24)
    #expect(text(state)[3] == "Lesson 1")
  }

  @Test("keys: check, hint, the solution's question, reset's question, list, next, quit")
  func keys() {
    var state = state()
    #expect(state.handle(.character("c")) == [.check])
    #expect(state.handle(.character("h")) == [.revealHint])
    #expect(state.handle(.character("s")).isEmpty)
    #expect(state.overlay == .confirm(.solution))
    #expect(text(state).joined().contains("has not passed yet"))
    #expect(state.handle(.character("y")) == [.revealSolution])
    #expect(state.handle(.character("x")).isEmpty && state.overlay == .confirm(.reset))
    #expect(state.handle(.character("n")).isEmpty && state.message == "nothing was changed")
    #expect(state.handle(.character("n")).isEmpty && state.message == "n moves on once this exercise passes")
    #expect(state.handle(.character("l")).isEmpty && state.overlay == .list(selected: 0))
    _ = state.handle(.down)
    #expect(state.handle(.enter) == [.open(1)])
    #expect(state.handle(.character("q")) == [.quit])
    #expect(state.handle(.control("c")) == [.quit])
  }

  @Test("n after a pass opens the next exercise; on the last one it finishes the course")
  func next() {
    var cards = Self.cards
    cards[0].state = .passed
    cards[2].state = .passed
    var first = state(cards: cards)
    #expect(text(first)[23].contains("n next"))
    #expect(first.handle(.character("n")) == [.open(1)])
    var last = state(cards: cards, current: 2)
    #expect(text(last)[23].contains("n finish"))
    #expect(last.handle(.character("n")) == [.finishCourse])
  }

  @Test("a check: live figures and a chart while it runs, keys that do not apply refused, the report after")
  func checking() {
    var state = state()
    state.checkProgressed(.compiling(.learner))
    #expect(state.focus == .check, "a check that starts shows the check pane")
    _ = state.handle(.tab)
    #expect(state.focus == .hints)
    var snapshot = LiveRun.Snapshot()
    snapshot.phase = .running
    snapshot.elapsedSeconds = 0.5
    snapshot.heapBytes = 2_000_000
    snapshot.peakHeapBytes = 3_600_000
    snapshot.peakMicroseconds = 120_000
    for tick in 0..<40 {
      snapshot.timeline.append(
        TimelinePoint(
          microseconds: UInt64(tick) * 10_000, heapBytes: UInt64(tick) * 90_000, maxHeapBytes: UInt64(tick) * 90_000,
          residentBytes: 0, trackerBytes: 0))
    }
    state.checkProgressed(.running(.learner, snapshot))
    #expect(state.focus == .hints, "the learner's choice of pane is kept while the check goes on")
    _ = state.handle(.tab)
    _ = state.handle(.tab)
    let live = text(state)
    #expect(live[3] == "Running exercise_1 under the tracker · 500 ms")
    #expect(live[4].hasPrefix("heap 1.9 MiB · peak 3.4 MiB at 120 ms"))
    #expect(live.contains { $0.contains("limit 100.0 KiB") && $0.contains("over by") }, "the chart's legend: \(live)")
    #expect(live[23].hasPrefix(" Esc stop"))
    #expect(state.handle(.character("c")).isEmpty && state.message == "a check is running: Esc stops it")
    #expect(state.handle(.character("x")).isEmpty && state.message == "wait for the check to end (Esc stops it)")
    #expect(state.handle(.escape) == [.cancelCheck])
    state.queueCheck()
    let dueWhileRunning = state.takeQueuedCheck()
    #expect(!dueWhileRunning, "not while one runs")
    let report = CheckReportText.Report(
      exercise: "exercise_1", title: "Fibonacci without the arrays", verdict: .overLimit, measure: .peak,
      limit: 102_400, measured: 3_600_000, casesRun: 7)
    _ = state.handle(.character("c"))
    state.checkFinished(report, passed: false)
    #expect(text(state)[3] == "FAILED exercise_1: Fibonacci without the arrays")
    #expect(state.message == nil, "what the status line said while the check ran is over with it")
    #expect(text(state).last?.hasPrefix(" c check") == true, "the key hints come back: \(text(state).last ?? "")")
    // A message that is not about the check (a guess that could not be saved, an error) stays.
    state.note("progress.json: not writable; your guess is not remembered")
    state.checkFinished(report, passed: false)
    #expect(state.message == "progress.json: not writable; your guess is not remembered")
    let due = state.takeQueuedCheck()
    let dueAgain = state.takeQueuedCheck()
    #expect(due, "the queued check is due once this one ended")
    #expect(!dueAgain, "one, however many saves came")
  }

  @Test("the lesson scrolls, jumps to headings and searches; Tab switches panes; ? lists every key")
  func lessonPane() {
    var state = state()
    _ = state.handle(.character("j"))
    #expect(state.lessonView.top == 1)
    _ = state.handle(.character("]"))
    #expect(text(state)[3] == "Second section")
    for character in "/filler line 30" { _ = state.handle(.character(character)) }
    #expect(text(state)[23] == " /filler line 30")
    _ = state.handle(.enter)
    #expect(text(state)[3] == "Filler line 30 of the lesson.")
    _ = state.handle(.character("g"))
    #expect(state.lessonView.top == 0)
    _ = state.handle(.tab)
    #expect(state.focus == .check && text(state)[2].hasPrefix("  Lesson  [Check]"))
    _ = state.handle(.tab)
    #expect(state.focus == .hints && text(state)[3] == "No hint revealed yet: h reveals hint 1 of 3.")
    _ = state.handle(.character("?"))
    #expect(text(state).contains { $0.contains("c        check the exercise now") })
    _ = state.handle(.character("z"))
    #expect(state.overlay == nil)
  }

  @Test("the first start's welcome names the keys and goes on any key")
  func welcome() {
    var state = state(welcome: true)
    #expect(text(state).contains { $0.contains("Welcome to the workshop.") })
    #expect(state.handle(.character("c")).isEmpty, "the key that closes the welcome does nothing else")
    #expect(state.overlay == nil)
  }

  @Test("a revealed hint shows in the hints pane, counted")
  func hints() {
    var state = state()
    let hint = LessonDocument(parsing: ".. course-hint::\n\n   Walk the numbers once.\n")
    state.revealed(hint: hint, number: 1, count: 3)
    #expect(state.focus == .hints)
    #expect(text(state).contains { $0.contains("Walk the numbers once.") })
    #expect(state.message == "hint 1 of 3: h shows the next")
  }
}

/// The check pane after a check: the verdict above the icicle explorer.
@Suite("course screen: the explorer")
struct CourseScreenExplorerTests {
  @Test("after a check the arrows move in the explorer, r shows the whole report, the selected line is known")
  func explorer() throws {
    var state = CourseScreenState(
      exercises: CourseScreenStateTests.cards, current: 0, width: 100, height: 30, capabilities: .plain)
    state.open(0, lesson: CourseScreenStateTests.lesson)
    func frame(_ function: String, _ file: String, _ line: Int) -> SymbolizedFrame {
      SymbolizedFrame(
        function: function, file: file, line: line, location: CodeLocation(module: "/course/program", offset: 1))
    }
    var builder = AllocationTree.Builder(rootLabel: "exercise_1")
    builder.add(
      stack: [frame("main", "main.swift", 14), frame("fibonacci(count:)", "Fibonacci.swift", 19)], bytes: 2_000_000,
      count: 1)
    let tree = builder.build()
    let report = CheckReportText.Report(
      exercise: "exercise_1", title: "Fibonacci without the arrays", verdict: .overLimit, measure: .peak,
      limit: 102_400, measured: 2_000_000, casesRun: 7,
      icicle: CheckReportText.IcicleData(tree: tree, title: "peak of the workload", weight: .bytes))
    state.checkFinished(report, passed: false)
    #expect(state.focus == .check && state.explorerHasKeys)
    var lines = CourseScreen.render(state).lines()
    #expect(lines[3] == "FAILED exercise_1: Fibonacci without the arrays")
    #expect(lines.contains { $0.hasPrefix("arrows move · Enter zooms in") })
    _ = state.handle(.down)
    _ = state.handle(.down)
    lines = CourseScreen.render(state).lines()
    #expect(lines.contains { $0.hasPrefix("fibonacci(count:); Fibonacci.swift:19; 1.9 MiB") }, "\(lines)")
    #expect(state.selectedLine(inFiles: ["Fibonacci.swift"])?.line == 19)
    #expect(state.selectedLine(inFiles: ["Other.swift"]) == nil)
    _ = state.handle(.character("r"))
    #expect(state.showingReport && !state.explorerHasKeys)
    _ = state.handle(.character("r"))
    #expect(!state.showingReport)
  }
}
