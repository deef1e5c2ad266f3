import Foundation
import LessonText
import MemoryAnalysis
import Rendering
import Symbols
import Testing
import TerminalUI
import WorkshopKit

@testable import CourseUI

private func frame(_ function: String, _ file: String, _ line: Int, module: String = "/course/program")
  -> SymbolizedFrame
{
  SymbolizedFrame(function: function, file: file, line: line, location: CodeLocation(module: module, offset: 1))
}

/// The learner's run as exercise 1 has it: `fibonacci(count:)` holds 2 MB, the rest of
/// `evenFibonacci(count:)` 1.5 MB.
private func learnerTree() -> AllocationTree {
  var builder = AllocationTree.Builder(rootLabel: "exercise_1")
  let even = [frame("main", "main.swift", 14), frame("evenFibonacci(count:)", "Fibonacci.swift", 28)]
  builder.add(stack: even + [frame("fibonacci(count:)", "Fibonacci.swift", 19)], bytes: 2_000_000, count: 1)
  builder.add(
    stack: [frame("main", "main.swift", 14), frame("evenFibonacci(count:)", "Fibonacci.swift", 29)], bytes: 1_500_000,
    count: 1)
  return builder.build()
}

/// A reference run built apart (another module, other lines): 96 bytes in `evenFibonacci(count:)`,
/// 1 MB in a frame the learner's run does not have.
private func solutionTree() -> AllocationTree {
  var builder = AllocationTree.Builder(rootLabel: "exercise_1")
  let module = "/cache/solution/program"
  builder.add(
    stack: [
      frame("main", "main.swift", 12, module: module),
      frame("evenFibonacci(count:)", "Fibonacci.swift", 40, module: module),
    ],
    bytes: 96, count: 1)
  builder.add(
    stack: [frame("main", "main.swift", 12, module: module), frame("setUp()", "main.swift", 3, module: module)],
    bytes: 1_000_000, count: 1)
  return builder.build()
}

@Suite("the learner beside the solution: the difference tree")
struct AllocationTreeDifferenceTests {
  @Test("frames meet by function and file, whatever the line and the module; each node knows both runs")
  func matching() throws {
    let difference = learnerTree().difference(from: solutionTree())
    let tree = difference.tree
    func node(_ function: String) throws -> Int {
      try #require(tree.nodes.indices.first { tree[$0].frame?.function == function })
    }
    // Lines 28 and 29 of evenFibonacci are one frame here: they meet the solution's line 40.
    #expect(tree.nodes.filter { $0.frame?.function == "evenFibonacci(count:)" }.count == 1)
    let even = try node("evenFibonacci(count:)")
    #expect(difference.mine[even] == 3_500_000 && difference.reference[even] == 96)
    let fibonacci = try node("fibonacci(count:)")
    #expect(difference.delta(of: fibonacci) == 2_000_000)
    #expect(tree[fibonacci].parent == even)
    let setUp = try node("setUp()")
    #expect(difference.delta(of: setUp) == -1_000_000, "a frame only the solution has holds less in the learner's run")
    // Widths: the larger of the two own shares at each frame, summed.
    #expect(tree.totalBytes == 3_500_000 + 1_000_000)
    #expect(difference.mine[AllocationTree.rootIndex] == 3_500_000)
    #expect(difference.reference[AllocationTree.rootIndex] == 1_000_096)
    let path = tree.path(to: fibonacci).dropFirst().compactMap { tree[$0].frame }
    #expect(difference.node(matching: path) == fibonacci)
  }

  @Test("the difference icicle says +, - or = in each box, red and green with colour")
  func drawing() throws {
    var explorer = DifferenceIcicle.explorer(learnerTree().difference(from: solutionTree()))
    let plain = explorer.render(width: 200, height: 8, capabilities: .plain).lines()
    #expect(plain.contains { $0.contains("fibonacci(count:) (Fibonacci.swift:19) +1.9 MiB") }, "\(plain)")
    #expect(plain.contains { $0.contains("setUp()") && $0.contains("-976.6 KiB") }, "\(plain)")
    #expect(plain.last?.contains("more than the solution") == true, "\(plain)")
    #expect(explorer.select { $0.function == "setUp()" })
    #expect(
      explorer.render(width: 200, height: 8, capabilities: .plain).lines().last?.contains(
        "976.6 KiB less than the solution") == true)
    let colour = TerminalCapabilities.rich
    let grid = explorer.render(width: 200, height: 8, capabilities: colour)
    let lines = grid.lines()
    let fibonacciRow = try #require(lines.firstIndex { $0.contains("fibonacci(count:)") })
    let column = try #require(lines[fibonacciRow].range(of: "fibonacci(count:)")).lowerBound.utf16Offset(
      in: lines[fibonacciRow])
    #expect(grid[fibonacciRow, column].style.background.map { [210, 203].contains($0.index) } == true)
  }
}

@Suite("the learner's screen: history, difference view, hints that point, predict first")
struct LearnerFeatureStateTests {
  static func cards(attempts: [UInt64?] = [], predictFirst: Bool = false) -> [ExerciseCard] {
    [
      ExerciseCard(
        number: 1, name: "exercise_1", title: "Fibonacci without the arrays",
        limit: .init(measure: .peak, value: 102_400),
        state: attempts.isEmpty ? .new : .failed, lastMeasured: attempts.last ?? nil, hintCount: 3,
        attempts: attempts, predictFirst: predictFirst)
    ]
  }

  static func report(icicle tree: AllocationTree?) -> CheckReportText.Report {
    CheckReportText.Report(
      exercise: "exercise_1", title: "Fibonacci without the arrays", verdict: .overLimit, measure: .peak,
      limit: 102_400, measured: 3_500_000, casesRun: 7,
      icicle: tree.map { CheckReportText.IcicleData(tree: $0, title: "peak of the workload", weight: .bytes) })
  }

  @Test("the header draws the measure per attempt as a sparkline with the best; the verdict says what changed")
  func history() {
    var state = CourseScreenState(
      exercises: Self.cards(attempts: [3_670_016, nil, 96]), current: 0, width: 100, height: 30, capabilities: .plain)
    state.open(0, lesson: nil)
    state.checkFinished(
      Self.report(icicle: learnerTree()), passed: false,
      notes: ["attempt 3, since the last: peak 3.5 MiB → 96 B; `Fibonacci.swift:19` is no longer at the peak"])
    let lines = CourseScreen.render(state).lines()
    #expect(lines[1].contains("· 3 checks #x_ best 96 B"), "\(lines[1])")
    #expect(lines.contains { $0.contains("`Fibonacci.swift:19` is no longer at the peak") })
    // At 80 columns the best gives way to the sparkline.
    state.resize(width: 80, height: 24)
    let narrow = CourseScreen.render(state).lines()[1]
    #expect(narrow.hasSuffix("hints 0/3 · 3 checks #x_"), "\(narrow)")
    #expect(Sparkline.glyphs([3_670_016, nil, 96], limit: 102_400, unicode: true) == ["█", "·", "▁"])
    let colour = TerminalCapabilities.rich
    let line = Sparkline.render([3_670_016, 96], limit: 102_400, width: 10, capabilities: colour)
    #expect(line[0, 0].style.foreground == TerminalColor.red && line[0, 1].style.foreground == TerminalColor.green)
  }

  @Test("d switches the explorer to the difference from the solution and back; moves go to the one shown")
  func differenceView() {
    var state = CourseScreenState(
      exercises: Self.cards(), current: 0, width: 100, height: 30, capabilities: .plain)
    state.open(0, lesson: nil)
    state.checkFinished(Self.report(icicle: learnerTree()), passed: false)
    _ = state.handle(.character("d"))
    #expect(state.message?.hasPrefix("no difference view") == true)
    state.checkFinished(
      Self.report(icicle: learnerTree()), passed: false, difference: learnerTree().difference(from: solutionTree()))
    _ = state.handle(.character("d"))
    #expect(state.showingDifference)
    var lines = CourseScreen.render(state).lines()
    #expect(lines.contains { $0.contains("[evenFibonacci(count:) (Fibonacci.swift:28) +3.3 MiB") }, "\(lines)")
    #expect(lines.contains { $0.hasPrefix("difference from the solution:") })
    for _ in 0..<3 { _ = state.handle(.down) }
    lines = CourseScreen.render(state).lines()
    #expect(
      lines.contains {
        $0.hasPrefix("fibonacci(") && $0.contains("; Fibonacci.swift:19;") && $0.contains("more than the solution")
      }, "\(lines)")
    _ = state.handle(.character("d"))
    #expect(!state.showingDifference)
    #expect(state.activeExplorer?.selection.function == "exercise_1", "the plain explorer kept its own selection")
  }

  @Test("a hint that names a frame selects it in both explorers; its line heads the lesson pane")
  func hintsThatPoint() throws {
    var state = CourseScreenState(
      exercises: Self.cards(), current: 0, width: 80, height: 30, capabilities: .plain)
    state.open(0, lesson: LessonDocument(parsing: "Lesson 1\n========\n\nSome text.\n"))
    state.checkFinished(
      Self.report(icicle: learnerTree()), passed: false, difference: learnerTree().difference(from: solutionTree()))
    let source = """
      Lesson
      ======

      .. course-hint::
         :frame: fibonacci(count:)
         :line: Fibonacci.swift:19

         Walk the numbers once.
      """
    let document = LessonDocument(parsing: source, file: "Lessons/01.rst")
    func hints(_ node: Node) -> [Node] {
      (node.options.isEmpty ? [] : [node]) + node.children.flatMap(hints)
    }
    let hint = try #require(hints(document.root).first)
    let parsed = HintTarget.parse(hint, lessonFile: "Lessons/01.rst")
    #expect(parsed.problem == nil)
    let target = try #require(parsed.target)
    #expect(target == HintTarget(function: "fibonacci(count:)", file: "Fibonacci.swift", line: 19))
    #expect(target.matches(frame("Fibonacci.fibonacci(count:)", "Fibonacci.swift", 19)))
    #expect(!target.matches(frame("evenFibonacci(count:)", "Fibonacci.swift", 28)))
    state.point(at: target, excerpt: ["Fibonacci.swift:19", "> 19 │     numbers.append(current)"])
    #expect(state.explorer?.selection.function == "fibonacci(count:)")
    #expect(state.differenceExplorer?.selection.function == "fibonacci(count:)")
    _ = state.handle(.tab)
    _ = state.handle(.tab)
    #expect(state.focus == .lesson)
    let lines = CourseScreen.render(state).lines()
    #expect(lines[3] == "the hint points here: Fibonacci.swift:19", "\(lines)")
    #expect(lines[4].contains("numbers.append(current)"))
    // A new check keeps the frame the hint named selected.
    state.checkFinished(Self.report(icicle: learnerTree()), passed: false)
    #expect(state.explorer?.selection.function == "fibonacci(count:)")
    let bad = LessonDocument(parsing: ".. course-hint::\n   :line: nowhere\n\n   Text.\n", file: "Lessons/01.rst")
    let badHint = try #require(hints(bad.root).first)
    #expect(
      HintTarget.parse(badHint, lessonFile: "Lessons/01.rst").problem?.contains("\"nowhere\" is not a file and a line")
        == true)
  }

  @Test("predict first: c asks for a guess before the first check; Enter alone skips; a bad size asks again")
  func predictFirst() {
    var state = CourseScreenState(
      exercises: Self.cards(predictFirst: true), current: 0, width: 100, height: 30, capabilities: .plain)
    state.open(0, lesson: nil)
    #expect(state.handle(.character("c")).isEmpty)
    #expect(state.guessPrompt == "")
    for character in "lots" { _ = state.handle(.character(character)) }
    #expect(state.handle(.enter).isEmpty)
    #expect(state.message == "\"lots\" is not a size: try again, or Esc")
    for _ in 0..<4 { _ = state.handle(.backspace) }
    for character in "1.5 MiB" { _ = state.handle(.character(character)) }
    #expect(CourseScreen.render(state).lines().last?.contains("guess the peak before the first check") == true)
    #expect(state.handle(.enter) == [.guess(1_572_864), .check])
    #expect(state.guessPrompt == nil)
    // Once skipped, c checks straight away.
    var skipping = CourseScreenState(
      exercises: Self.cards(predictFirst: true), current: 0, width: 100, height: 30, capabilities: .plain)
    skipping.open(0, lesson: nil)
    _ = skipping.handle(.character("c"))
    #expect(skipping.handle(.enter) == [.check])
    #expect(skipping.handle(.character("c")) == [.check])
    // After the first check, or without the manifest key, no question.
    var checked = CourseScreenState(
      exercises: Self.cards(attempts: [3_670_016], predictFirst: true), current: 0, width: 100, height: 30,
      capabilities: .plain)
    checked.open(0, lesson: nil)
    #expect(checked.handle(.character("c")) == [.check])
  }
}

@Suite("the learner beside the solution: the live chart")
struct ReferenceCurveTests {
  @Test("the live chart draws the solution's run as a faint curve behind the learner's, named in the legend")
  func referenceCurve() {
    let points = (0...10).map { MemoryChart.Point(milliseconds: Double($0) * 10, heapBytes: UInt64($0) * 100_000) }
    let reference = (0...10).map { MemoryChart.Point(milliseconds: Double($0) * 10, heapBytes: 500_000) }
    let input = LiveChart.Input(points: points, limit: 102_400, reference: reference)
    let lines = LiveChart.render(input, width: 110, height: 12, capabilities: .plain).lines()
    #expect(lines.contains { $0.contains("~") }, "\(lines)")
    #expect(lines.last?.hasSuffix("; solution faint") == true, "\(lines)")
    let without = LiveChart.render(
      LiveChart.Input(points: points, limit: 102_400), width: 70, height: 12, capabilities: .plain
    ).lines()
    #expect(!without.contains { $0.contains("~") })
    let braille = LiveChart.render(input, width: 70, height: 12, capabilities: .rich)
    #expect(braille.lines().joined().contains { $0.unicodeScalars.first!.value >= 0x2800 })
  }
}
