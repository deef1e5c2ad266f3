import Foundation
import Rendering
import Testing

/// The memory-over-time chart: exact text for known samples.
@Suite("MemoryChart")
struct MemoryChartTests {
  /// A heap that climbs a staircase to 4 KiB over 100 ms, with a 2 KiB limit.
  let staircase = (0...10).map { step in
    MemoryChart.Point(milliseconds: Double(step) * 10, heapBytes: UInt64(min(step, 8)) * 512)
  }

  @Test("plain ASCII: the heap filled with #, the limit a rule of - (= across the heap), axes labelled")
  func ascii() {
    let grid = MemoryChart.render(
      staircase, width: 40, height: 6, options: MemoryChart.Options(limit: 2048, capabilities: .plain))
    #expect(
      grid.plainText() == """
        4.0 KiB +                 ########
                |            #############
        2.0 KiB +-------================== limit
                |  #######################
              0 +--------------------^----
                 0 ms               100 ms

        """)
  }

  @Test("Unicode: eighth blocks, box-drawing axes and rules")
  func unicode() {
    let grid = MemoryChart.render(
      staircase, width: 40, height: 6,
      options: MemoryChart.Options(limit: 2048, capabilities: TerminalCapabilities(colours: .none, unicode: true)))
    #expect(
      grid.plainText() == """
        4.0 KiB ┤                 ▄▄▄█████
                │            ▄▄▄██████████
        2.0 KiB ┼───────━━━━━━━━━━━━━━━━━━ limit
                │  ▄▄▄████████████████████
              0 └────────────────────▲────
                 0 ms               100 ms

        """)
  }

  @Test("the resident size as dots (hidden where the heap fills), no limit, the scale set by the largest")
  func resident() {
    let points = (0...4).map {
      MemoryChart.Point(milliseconds: Double($0) * 250, heapBytes: 1 << 20, residentBytes: UInt64($0 + 1) << 20)
    }
    let grid = MemoryChart.render(points, width: 30, height: 5, options: MemoryChart.Options())
    #expect(
      grid.plainText() == """
        5.0 MiB +                    .
                |^         ..........
        1.0 MiB +#####################
              0 +---------------------
                 0 ms          1000 ms

        """)
  }

  /// Issue 9, item 11: exercise 1's 3.5 MiB peak drew a top of 3.1 MiB in one run and 3.5 MiB in
  /// the next, the samples having missed the peak by different amounts.
  @Test("the same peak draws the same scale: a nice top above the samples, the exact peak labelled and marked")
  func samePeakSameScale() {
    let runs: [[MemoryChart.Point]] = [3174, 3500].map { sampled in
      [0, 2048, sampled, 1024].enumerated().map {
        MemoryChart.Point(milliseconds: Double($0.offset) * 50, heapBytes: UInt64($0.element) << 10)
      }
    }
    // Without the exact peak, the largest sample sets it; the top is rounded up all the same.
    let sampledTops = runs.map { MemoryChart.render($0, width: 40, height: 8).lines()[0].prefix(9) }
    #expect(sampledTops == ["4.0 MiB +", "4.0 MiB +"])
    // With it, the whole chart but the samples' own columns is the same, the peak's column reaching it.
    let charts = runs.map { points in
      MemoryChart.render(
        points, width: 40, height: 8,
        options: MemoryChart.Options(
          limit: 100 << 10, peak: MemoryChart.Peak(bytes: 3584 << 10, milliseconds: 100))
      ).plainText()
    }
    #expect(charts[0] == charts[1])
    #expect(
      charts[0] == """
          4.0 MiB +               .
                  |               #######
                  |               #######
                  |       ###############
                  |       ################
        100.0 KiB +-------================ limit
                0 +---------------^-------
                   0 ms             150 ms

        """)
  }

  @Test("colour only when the terminal has it; nothing and one sample still draw")
  func edges() {
    let coloured = MemoryChart.render(
      staircase, width: 40, height: 6,
      options: MemoryChart.Options(limit: 2048, capabilities: TerminalCapabilities(colours: .extended, unicode: true)))
    #expect(coloured.text(for: .rich).contains("\u{1B}[0;38;5;203m"), "the heap over the limit in red")
    let empty = MemoryChart.render([], width: 20, height: 4)
    #expect(empty.lines().first?.hasPrefix("1 B +") == true)
    let single = MemoryChart.render([MemoryChart.Point(milliseconds: 0, heapBytes: 100)], width: 20, height: 4)
    #expect(single.height == 4)
  }
}

/// The check report's text.
@Suite("CheckReportText")
struct CheckReportTextTests {
  @Test("pytest-memray's sentences, for each measure")
  func sentences() {
    #expect(
      CheckReportText.overLimitSentence(.peak, limit: 102_400, measured: 831_898)
        == "limited to 100.0 KiB but peaked at 812.4 KiB")
    #expect(
      CheckReportText.overLimitSentence(.leaks, limit: 1024, measured: 4096)
        == "limited to 1.0 KiB of leaked memory but leaked 4.0 KiB")
    #expect(
      CheckReportText.overLimitSentence(.allocations, limit: 100, measured: 10_000)
        == "limited to 100 allocations but made 10,000")
    #expect(
      CheckReportText.overLimitSentence(.temporary, limit: 1, measured: 2)
        == "limited to 1 temporary allocation but made 2")
    #expect(
      CheckReportText.withinLimitSentence(.allocations, limit: 100, measured: 0)
        == "0 allocations, within the limit of 100 allocations")
  }

  /// A report laid out for 80 plain columns, as text.
  private func reportText(_ report: CheckReportText.Report) -> String {
    CheckReportText.render(report, width: 80, capabilities: .plain).plainText()
  }

  @Test("a failure over the limit: verdict, cases, the measures side by side, stacks, pictures")
  func overLimit() throws {
    let report = CheckReportText.Report(
      exercise: "exercise_1", title: "Fibonacci without the arrays", verdict: .overLimit, measure: .peak,
      limit: 102_400, measured: 831_898, solutionMeasured: 0, casesRun: 3,
      topStacks: [StatsText.StackEntry(bytes: 831_898, count: 2, frames: ["fibonacci(count:) (Fibonacci.swift:19)"])],
      chart: CheckReportText.Chart(
        points: [
          MemoryChart.Point(milliseconds: 0, heapBytes: 0), MemoryChart.Point(milliseconds: 20, heapBytes: 831_898),
        ], limit: 102_400, durationMilliseconds: 20, title: "memory over time"),
      capturePath: ".workshop/captures/exercise_1.bin")
    let text = reportText(report)
    let chartStart = try #require(text.range(of: "\nmemory over time\n"))
    #expect(text[chartStart.upperBound...].contains("= limit"), "the chart is drawn under its title: \(text)")
    #expect(
      String(text[..<chartStart.lowerBound]) + "\n" == """
        FAILED exercise_1: Fibonacci without the arrays
        the workload was limited to 100.0 KiB but peaked at 812.4 KiB
        correctness: all 3 cases passed

        the workload's peak:
          limit               100.0 KiB
          yours               812.4 KiB
          reference solution        0 B

        top stacks at the workload's peak
          1. 812.4 KiB in 2 allocations (100.0%)
               #0 fibonacci(count:) (Fibonacci.swift:19)


        """)
  }

  @Test("failed cases, a crash's last words from its fatal error, the bounds")
  func otherVerdicts() {
    var report = CheckReportText.Report(
      exercise: "exercise_2", title: "T", verdict: .casesFailed, measure: .leaks, limit: 0, casesRun: 2,
      failedCases: [CheckReportText.FailedCase(name: "two", expected: "2", actual: "3")])
    #expect(
      reportText(report) == """
        FAILED exercise_2: T
        1 of 2 correctness cases failed: make it right before making it small

          case "two"
            expected 2
            actual   3

        """)
    report = CheckReportText.Report(
      exercise: "exercise_2", title: "T", verdict: .crashed(signalName: "SIGILL", signal: 4), measure: .peak,
      limit: 1, output: "ok\n\nSwift/Array.swift:1: Fatal error: Index out of range\n\nPlatform: x\n  0 f(_:)\n")
    #expect(
      reportText(report) == """
        FAILED exercise_2: T
        it crashed: the program was killed by SIGILL (signal 4)

        the program's last words:
          Swift/Array.swift:1: Fatal error: Index out of range
            0 f(_:)

        """)
    report.verdict = .stoppedAtTimeBound(seconds: 20.04, bound: 20)
    report.output = nil
    #expect(reportText(report).contains("stopped after 20.0 s, past the time bound of 20.0 s"))
    report.verdict = .stoppedAtMemoryBound(residentBytes: 1_100_000_000, bound: 1 << 30)
    #expect(reportText(report).contains("stopped at 1.0 GiB resident, over the memory bound of 1.0 GiB"))
  }
}
