import ArgumentParser
import Foundation
import WorkshopKit

/// `workshop hint N [H]`: reveals the next hint of an exercise, or hint H.
struct Hint: ParsableCommand {
  static let configuration = CommandConfiguration(
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
    let (chosen, lesson) = try resolve()
    if let number, number > lesson.hints.count {
      throw ValidationError(
        WorkshopError.hintOutOfRange(exercise: chosen.name, asked: number, count: lesson.hints.count).description)
    }
  }

  func run() throws {
    let (chosen, lesson) = try resolve()
    let store = ProgressStore(courseFolder: try Course.locate().folder)
    let revealed = try loadProgress(store)[chosen.name].hintsRevealed
    let count = lesson.hints.count
    let shown = number ?? (revealed >= count ? count : revealed + 1)
    print("Hint \(shown) of \(count) for \(chosen.name) (\(chosen.manifest.title)):\n")
    print(renderLessonPart(lesson, nodes: [lesson.hints[shown - 1]], width: width), terminator: "")
    if shown == count {
      print("\nThat was the last hint; `workshop solution \(chosen.number)` shows a solution.")
    } else if shown < count {
      print("\nThe next hint: `workshop hint \(chosen.number)`.")
    }
    updateProgress(store) { progress in
      progress[chosen.name].hintsRevealed = max(progress[chosen.name].hintsRevealed, shown)
    }
  }

  /// The exercise and its lesson, which must have at least one hint.
  private func resolve() throws -> (WorkshopKit.Exercise, ExerciseLesson) {
    let course = try Course.locate()
    let chosen = try course.exercise(named: exercise)
    guard let lesson = ExerciseLesson.find(for: chosen, in: course) else {
      throw WorkshopError.lessonMissing(exercise: chosen.name, what: "lesson (no .. exercise:: \(chosen.name))")
    }
    guard !lesson.hints.isEmpty else { throw WorkshopError.lessonMissing(exercise: chosen.name, what: "hints") }
    return (chosen, lesson)
  }
}
