import ArgumentParser
import Foundation
import WorkshopKit

/// `workshop solution N`: the explanation and the code of an exercise's reference solution.
struct Solution: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "solution",
    abstract: "Show an exercise's solution: the lesson's explanation, then the code.",
    discussion: """
      Before an exercise has passed, workshop asks first on a terminal; elsewhere it needs --yes. \
      --diff shows the code as a unified diff from your file to the solution.
      """
  )

  @Argument(help: "The exercise: exercise_N or N.")
  var exercise: String

  @Flag(help: "Show the code as a unified diff against your file.")
  var diff = false

  @Flag(name: [.short, .long], help: "Reveal without asking, even before the exercise has passed.")
  var yes = false

  @Option(help: "Lay the text out for this many columns (default: the terminal's width, or 80).")
  var width: Int?

  func validate() throws {
    try LayoutWidth.validate(width, minimum: 20)
  }

  func run() throws {
    let session = try CourseSession.locate()
    let chosen = try session.exercise(named: exercise)
    if !yes, try session.solutionNeedsConfirmation(chosen) {
      let action = "showing the solution of \(chosen.name) before it has passed"
      guard try confirm("\(chosen.name) has not passed yet. Show its solution anyway?", action: action) else {
        print("Not shown. `\(NextStep.hint(exercise: chosen.number, hint: 1).command())` gives a gentler push.")
        return
      }
    }
    let reveal = try session.revealSolution(of: chosen)
    if let lesson = reveal.lesson {
      print(renderLessonPart(lesson, nodes: lesson.solutions, width: width), terminator: "")
      print()
    }
    for file in reveal.files {
      if diff {
        let difference = try session.unifiedDiff(from: file.learnerPath, to: file.solutionPath)
        print(difference ?? "\(file.learnerPath) is the same as \(file.solutionPath).\n", terminator: "")
      } else {
        print("\(file.solutionPath):\n")
        print(file.code, terminator: "")
      }
    }
    reveal.warnings.forEach(say)
  }
}
