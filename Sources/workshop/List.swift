import ArgumentParser
import Foundation
import Rendering
import TextWidth
import WorkshopKit

/// `workshop list`: every exercise with its state, its last measure against its limit, and its hints.
struct List: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the exercises: state, last measure against the limit, hints revealed."
  )

  func run() throws {
    let course = try Course.locate()
    let store = ProgressStore(courseFolder: course.folder)
    let progress = try loadProgress(store)
    guard !course.exercises.isEmpty else {
      print("The course in \(course.folder.path) has no exercises yet.")
      return
    }
    let files = LearnerFiles(course: course)
    var rows: [[String]] = [["#", "exercise", "state", "last measure / limit", "hints", "title"]]
    for exercise in course.exercises {
      files.snapshotOriginals(of: exercise)
      let entry = progress[exercise.name]
      let measure = CheckReportText.Measure(rawValue: exercise.manifest.limit.measure.rawValue) ?? .peak
      let limit = exercise.manifest.limit.value
      let bytes = exercise.manifest.limit.measure.isBytes
      let text = { (value: UInt64) in bytes ? ByteCountText.describe(value) : ByteCountText.grouped(value) }
      let last = entry.lastMeasured.map(text) ?? "-"
      let hintCount = ExerciseLesson.find(for: exercise, in: course)?.hints.count ?? 0
      rows.append([
        "\(exercise.number)", exercise.name, entry.state.rawValue,
        "\(measure.name) \(last) / \(text(limit))",
        "\(min(entry.hintsRevealed, hintCount))/\(hintCount)" + (entry.solutionRevealed ? " +solution" : ""),
        exercise.manifest.title,
      ])
    }
    let widths = (0..<rows[0].count).map { column in rows.map { DisplayWidth.of($0[column]) }.max() ?? 0 }
    for row in rows {
      let cells = row.enumerated().map { column, text in
        column == row.count - 1 ? text : text + String(repeating: " ", count: widths[column] - DisplayWidth.of(text))
      }
      var line = cells.joined(separator: "  ")
      while line.last == " " { line.removeLast() }
      print(line)
    }
    let passed = course.exercises.filter { progress[$0.name].state == .passed }.count
    print("\n\(passed) of \(course.exercises.count) exercises passed.", terminator: "")
    if let next = course.exercises.first(where: { progress[$0.name].state != .passed }) {
      print(" Next: workshop check \(next.number)")
    } else {
      print()
    }
  }
}
