import ArgumentParser
import Foundation
import ProcessLaunch
import WorkshopKit

/// `workshop solution N`: the explanation and the code of an exercise's reference solution.
struct Solution: ParsableCommand {
  static let configuration = CommandConfiguration(
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
    let course = try Course.locate()
    let chosen = try course.exercise(named: exercise)
    let store = ProgressStore(courseFolder: course.folder)
    let entry = try loadProgress(store)[chosen.name]
    if !yes && !entry.passedOnce && !entry.solutionRevealed {
      let action = "showing the solution of \(chosen.name) before it has passed"
      guard try confirm("\(chosen.name) has not passed yet. Show its solution anyway?", action: action) else {
        print("Not shown. `workshop hint \(chosen.number)` gives a gentler push.")
        return
      }
    }
    if let lesson = ExerciseLesson.find(for: chosen, in: course), !lesson.solutions.isEmpty {
      print(renderLessonPart(lesson, nodes: lesson.solutions, width: width), terminator: "")
      print()
    } else {
      say("\(WorkshopError.lessonMissing(exercise: chosen.name, what: "solution block"))")
    }
    for (learner, solution) in zip(chosen.learnerFiles, chosen.solutionFiles) {
      guard let code = FileManager.default.contents(atPath: chosen.path(solution)) else {
        throw WorkshopError.exerciseFileMissing(path: solution)
      }
      if diff {
        print(try unifiedDiff(from: learner, to: solution, in: course), terminator: "")
      } else {
        print("\(solution):\n")
        print(String(decoding: code, as: UTF8.self), terminator: "")
      }
    }
    updateProgress(store) { $0[chosen.name].solutionRevealed = true }
  }

  /// `diff -u` from the learner's file to the solution's, paths relative to the course; a note when
  /// they are the same.
  private func unifiedDiff(from learner: String, to solution: String, in course: Course) throws -> String {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-diff-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: output) }
    let status: ExitStatus
    do {
      status = try ChildProcess.run(
        ["diff", "-u", "--label", learner, "--label", solution, learner, solution], in: course.folder.path,
        outputPath: output.path)
    } catch {
      throw WorkshopError.programNotStarted(program: "diff", reason: error.reason)
    }
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    switch status {
    case .exited(0): return "\(learner) is the same as \(solution).\n"
    case .exited(1): return text
    default:
      let reason = text.trimmingCharacters(in: .whitespacesAndNewlines)
      throw WorkshopError.programNotStarted(program: "diff", reason: reason.isEmpty ? "it \(status)" : reason)
    }
  }
}
