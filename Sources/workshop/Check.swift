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
    abstract: "Check an exercise: its correctness cases, then its workload's memory against the limit.",
    discussion: """
      The exercise is built with swiftc -g (cached: an unchanged exercise is not compiled again) and run \
      under the tracker, within the time and memory bounds of its exercise.json. Exits with 0 when it \
      passes and 1 when it fails. Without an exercise, checks the first one not passed yet.
      """
  )

  @Argument(help: "The exercise: exercise_N or N (default: the first not passed yet).")
  var exercise: String?

  @Option(help: "Columns for the chart and the icicle (default: the terminal's, else 100).")
  var width: Int?

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

    // Ctrl-C (or SIGTERM, SIGHUP) stops the program, whose process group is its own, and the check.
    let running = RunningCheck()
    let interrupts = Interrupts([SIGINT, SIGTERM, SIGHUP]) { running.interrupt($0) }
    let outcome = try session.check(chosen) { event in
      switch event {
      case .compiling(.learner): say("compiling \(chosen.name)…")
      case .compiling(.solution): say("compiling the reference solution of \(chosen.name)…")
      case .running(_, let live): running.started(live)
      case .finished: break
      }
    }
    interrupts.restore()
    outcome.warnings.forEach(say)
    programSeconds = outcome.result.run?.outcome.wallSeconds ?? 0

    let terminal = Terminal.standardOutput()
    let (report, reportWarnings) = outcome.result.report(capture: outcome.capture)
    reportWarnings.forEach(say)
    let grid = CheckReportText.render(
      report, width: LayoutWidth.choose(width, terminal: terminal.width, fallback: 100), capabilities: terminal)
    print(grid.text(for: terminal), terminator: "")
    if !outcome.nextSteps.isEmpty {
      print("\n" + (outcome.result.verdict.passed ? "next:" : "look further:"))
      for step in outcome.nextSteps { print("  " + step.command(annotated: true)) }
    }
    if let signal = running.signal { throw ExitCode(128 + signal) }
    if !outcome.result.verdict.passed { throw ExitCode(1) }
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

/// The program a check runs now, so that a signal can stop it.
private final class RunningCheck: Sendable {
  private let state = Mutex<(run: LiveRun?, signal: Int32?)>((nil, nil))

  /// The signal that interrupted the check, if one did.
  var signal: Int32? { state.withLock { $0.signal } }

  func started(_ run: LiveRun) {
    let interrupted = state.withLock { state in
      state.run = run
      return state.signal != nil
    }
    if interrupted { run.cancel() }
  }

  func interrupt(_ signal: Int32) {
    let run = state.withLock { state in
      state.signal = state.signal ?? signal
      return state.run
    }
    run?.cancel()
  }
}
