import ArgumentParser
import Foundation
import Rendering
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
    let course = try Course.locate()
    let store = ProgressStore(courseFolder: course.folder)
    let chosen = try exercise.map { try course.exercise(named: $0) } ?? nextExercise(course, store: store)
    LearnerFiles(course: course).snapshotOriginals(of: chosen)
    let checker = ExerciseChecker(
      builder: ExerciseBuilder(course: course), runner: ExerciseRunner(trackerLibrary: try TrackerLibrary.locate()))
    let capture = "\(Course.stateFolderName)/captures/\(chosen.name).bin"
    var result = try checker.check(
      chosen, capturePath: course.folder.appendingPathComponent(capture).path,
      compiling: { say("compiling \(chosen.name)…") })
    programSeconds = result.run?.outcome.wallSeconds ?? 0
    if result.verdict == .overLimit || result.verdict == .passed {
      result.solutionMeasured = try? checker.solutionMeasure(
        of: chosen, compiling: { say("compiling the reference solution of \(chosen.name)…") })
    }
    do {
      let warning = try store.update { $0.record(result, capture: result.run == nil ? nil : capture) }
      if let warning { say(warning) }
    } catch {
      say("\(error); this check is not remembered")
    }

    let terminal = Terminal.standardOutput()
    let presentation = CheckPresentation(
      width: LayoutWidth.choose(width, terminal: terminal.width, fallback: 100), capabilities: terminal)
    var (report, warnings) = result.report(capture: result.run == nil ? nil : capture, presentation: presentation)
    if result.verdict.passed {
      report.nextCommands = nextCommands(after: chosen, in: course, store: store)
    }
    for warning in warnings { say(warning) }
    print(CheckReportText.render(report), terminator: "")
    if !result.verdict.passed { throw ExitCode(1) }
  }

  /// With `WORKSHOP_CHECK_TIMING=1`, one line on standard error: the check's wall time, the time the
  /// learner's program ran under the tracker, and the difference (Benchmarks/check.sh reads it).
  private func reportTiming(since started: Date, programSeconds: Double) {
    guard ProcessInfo.processInfo.environment["WORKSHOP_CHECK_TIMING"] == "1" else { return }
    let total = Date().timeIntervalSince(started)
    let own = total - programSeconds
    say(String(format: "timing: check %.3f s, program %.3f s, own %.3f s", total, programSeconds, own))
  }

  /// The first exercise whose last check did not pass.
  private func nextExercise(_ course: Course, store: ProgressStore) throws -> WorkshopKit.Exercise {
    let progress = try loadProgress(store)
    guard let first = course.exercises.first else { throw WorkshopError.unknownExercise("", known: []) }
    return course.exercises.first { progress[$0.name].state != .passed } ?? first
  }

  private func nextCommands(after exercise: WorkshopKit.Exercise, in course: Course, store: ProgressStore)
    -> [String]
  {
    let progress = (try? loadProgress(store)) ?? CourseProgress()
    if let next = course.exercises.first(where: { $0.number > exercise.number && progress[$0.name].state != .passed }) {
      return ["workshop check \(next.number)    (\(next.manifest.title))"]
    }
    return ["workshop list    (every exercise has passed)"]
  }
}
