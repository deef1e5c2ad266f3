import ArgumentParser
import WorkshopKit

/// `workshop prepare` (hidden; the start script runs it): builds every exercise and measures the
/// reference solutions, so that each first check is quick.
struct Prepare: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "prepare",
    abstract: "Build every exercise and measure the reference solutions ahead of the first check.",
    shouldDisplay: false
  )

  @Argument(help: "The exercise to prepare: exercise_N or N (default: every one).")
  var exercise: String?

  func run() throws {
    let session = try CourseSession.locate()
    let only = try exercise.map { try session.exercise(named: $0) }
    let problems = try session.prepare(only.map { [$0] }) { exercise in say("preparing \(exercise.name)…") }
    problems.forEach(say)
  }
}
