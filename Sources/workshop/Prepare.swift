import ArgumentParser
import WorkshopKit

/// `workshop prepare` (hidden; the start script runs it): builds every exercise and measures the
/// reference solutions, so that each first check is quick.
struct Prepare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Build every exercise and measure the reference solutions ahead of the first check.",
    shouldDisplay: false
  )

  func run() throws {
    let session = try CourseSession.locate()
    let problems = try session.prepare { exercise in say("preparing \(exercise.name)…") }
    problems.forEach(say)
  }
}
