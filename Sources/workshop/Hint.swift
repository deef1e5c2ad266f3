import ArgumentParser
import Foundation
import WorkshopKit

/// `workshop hint N [H]`: reveals the next hint of an exercise, or hint H.
struct Hint: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hint",
    abstract: "Reveal the next hint of an exercise (or hint H again).",
    discussion: """
      Hints are the course-hint blocks of the exercise's lesson, gentle first, specific last. \
      workshop remembers how many you revealed (workshop list shows it).
      """
  )

  @Argument(help: "The exercise: exercise_N or N.")
  var exercise: String

  @Argument(help: "The hint to show (default: the next one not revealed yet).")
  var number: Int?

  @Option(help: "Lay the text out for this many columns (default: the terminal's width, or 80).")
  var width: Int?

  func validate() throws {
    try LayoutWidth.validate(width, minimum: 20)
    if let number, number < 1 { throw ValidationError("hints are numbered from 1: \(number) is not a hint") }
    let session = try CourseSession.locate()
    let chosen = try session.exercise(named: exercise)
    let count = try session.lessonWithHints(of: chosen).hints.count
    if let number, number > count {
      throw ValidationError(
        WorkshopError.hintOutOfRange(exercise: chosen.name, asked: number, count: count).description)
    }
  }

  func run() throws {
    let session = try CourseSession.locate()
    let reveal = try session.revealHint(of: try session.exercise(named: exercise), number: number)
    let chosen = reveal.exercise
    print("Hint \(reveal.number) of \(reveal.count) for \(chosen.name) (\(chosen.manifest.title)):\n")
    print(renderLessonPart(reveal.lesson, nodes: [reveal.hint], width: width), terminator: "")
    if let target = reveal.target { print(Self.pointer(target, in: chosen), terminator: "") }
    switch reveal.next {
    case .solution: print("\nThat was the last hint; `\(reveal.next.command())` shows a solution.")
    default: print("\nThe next hint: `\(reveal.next.command())`.")
    }
    reveal.warnings.forEach(say)
  }

  /// What the hint points at, as `workshop start` shows it: the named line of the learner's file
  /// with a line either side, and the frame to look for in the icicle; empty when it names neither
  /// (or a line the file does not have).
  static func pointer(_ target: HintTarget, in exercise: Exercise) -> String {
    var text = ""
    if let excerpt = target.excerpt(in: exercise), let place = excerpt.first {
      text += "\nIt points at \(place):\n" + excerpt.dropFirst().map { "  \($0)\n" }.joined()
    }
    if let function = target.function {
      text += "\nIn the icicle of `workshop check \(exercise.number)`, look for \(function).\n"
    }
    return text
  }
}
