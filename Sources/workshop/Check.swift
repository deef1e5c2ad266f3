import ArgumentParser
import Foundation
import Rendering
import Synchronization
import TerminalUI
import WorkshopKit

/// `workshop check`: builds an exercise, runs its cases and its workload under the tracker, and
/// compares the workload's memory with the exercise's limit.
struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Check an exercise: its correctness cases, then its workload's memory against the limit.",
    discussion: """
      The exercise is built with swiftc -g (cached: an unchanged exercise is not compiled again) and run \
      under the tracker, within the time and memory bounds of its exercise.json. Exits with 0 when it \
      passes and 1 when it fails. Without an exercise, checks the first one not passed yet. On a \
      terminal, a report taller than the screen opens in a pager (q leaves it; the verdict stays printed).
      """
  )

  @Argument(help: "The exercise: exercise_N or N (default: the first not passed yet).")
  var exercise: String?

  @Option(help: "Columns for the chart and the icicle (default: the terminal's, else 100).")
  var width: Int?

  @Flag(
    help: "Show every frame of the top stacks, recursion unfolded (by default runs of one function fold into a line).")
  var allFrames = false

  @Flag(help: "Print the report even when it is taller than the terminal, instead of opening the pager.")
  var noPager = false

  @Option(help: "Your guess of the measure before the first check (as 2MiB, 500KB or 1200); the verdict shows it.")
  var guess: String?

  func validate() throws {
    try LayoutWidth.validate(width, minimum: 40)
  }

  func run() throws {
    let started = Date()
    var programSeconds = 0.0
    defer { reportTiming(since: started, programSeconds: programSeconds) }
    let session = try CourseSession.locate()
    let (progress, warnings) = try session.progress()
    warnings.forEach(say)
    let chosen = try exercise.map { try session.exercise(named: $0) } ?? session.currentExercise(in: progress)
    if let guess {
      let measure = chosen.manifest.limit.measure
      guard let value = MeasureGuess.parse(guess, measure: measure) else {
        throw ValidationError(
          "--guess \"\(guess)\" is not a \(measure.isBytes ? "size (as 2MiB or 500KB)" : "count (as 1200 or 5k)")")
      }
      if progress[chosen.name].attempts.isEmpty {
        session.recordGuess(value, of: chosen).forEach(say)
      } else {
        say("\(chosen.name) was checked before: a guess counts only before the first check")
      }
    }

    // Ctrl-C (or SIGTERM, SIGHUP) stops the program, whose process group is its own, and the check.
    let cancellation = CheckCancellation()
    let interrupted = Atomic<Int32>(0)
    let interrupts = Interrupts([SIGINT, SIGTERM, SIGHUP]) { signal in
      _ = interrupted.compareExchange(expected: 0, desired: signal, ordering: .relaxed)
      cancellation.cancel()
    }
    let outcome = try session.check(chosen, cancellation: cancellation) { event in
      switch event {
      case .compiling(.learner): say("compiling \(chosen.name)…")
      case .compiling(.solution): say("compiling the reference solution of \(chosen.name)…")
      case .running, .finished: break
      }
    }
    interrupts.restore()
    outcome.warnings.forEach(say)
    programSeconds = outcome.result.run?.outcome.wallSeconds ?? 0

    let terminal = Terminal.standardOutput()
    let (report, reportWarnings) = outcome.result.report(capture: outcome.capture)
    reportWarnings.forEach(say)
    var steps: [String] = []
    if !outcome.attemptNotes.isEmpty { steps += [""] + outcome.attemptNotes }
    if !outcome.nextSteps.isEmpty {
      steps += ["", outcome.result.verdict.passed ? "next:" : "look further:"]
      steps += outcome.nextSteps.map { "  " + $0.command(annotated: true) }
    }
    let screen = Terminal.standardOutputIsTerminal ? Terminal.windowSize(of: STDOUT_FILENO) : nil
    func layout(width: Int) -> CellGrid {
      let grid = CheckReportText.render(
        report, width: width, capabilities: terminal, screenHeight: screen?.height, allFrames: allFrames)
      return CellGrid(stacking: [grid, CellGrid(lines: steps)])
    }
    let width = LayoutWidth.choose(width, terminal: terminal.width, fallback: 100)
    let grid = layout(width: width)
    if let screen, grid.height > screen.height - 1, !noPager, pageReport(chosen, layout: layout, terminal: terminal) {
      // The pager's screen is gone once it quits: the verdict and what to do next stay printed.
      print((CheckReportText.verdictLines(report, width: width) + steps).joined(separator: "\n"))
    } else {
      print(grid.text(for: terminal), terminator: "")
    }
    let signal = interrupted.load(ordering: .relaxed)
    if signal != 0 { throw ExitCode(128 + signal) }
    if !outcome.result.verdict.passed { throw ExitCode(1) }
  }

  /// Shows the report in the pager, laid out for the pager's width; false when there is no screen
  /// for it (the caller prints the report).
  private func pageReport(
    _ exercise: Exercise, layout: @escaping (Int) -> CellGrid, terminal: TerminalCapabilities
  ) -> Bool {
    let environment = ProcessInfo.processInfo.environment
    let term = environment["TERM"] ?? ""
    guard Terminal.standardInputIsTerminal, term != "dumb" else { return false }
    let pager = Pager(title: "workshop check \(exercise.number)", rules: .nothingHidden) { width, _ in
      LessonRendering(grid: layout(self.width ?? max(40, width)), headingRows: [])
    }
    return pager.run(capabilities: terminal, term: term)
  }

  /// With `WORKSHOP_CHECK_TIMING=1`, one line on standard error: the check's wall time, the time the
  /// learner's program ran under the tracker, and the difference (Benchmarks/check.sh reads it).
  private func reportTiming(since started: Date, programSeconds: Double) {
    guard ProcessInfo.processInfo.environment["WORKSHOP_CHECK_TIMING"] == "1" else { return }
    let total = Date().timeIntervalSince(started)
    let own = total - programSeconds
    say(String(format: "timing: check %.3f s, program %.3f s, own %.3f s", total, programSeconds, own))
  }
}
