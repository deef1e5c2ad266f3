import ArgumentParser
import Foundation
import Rendering
import TextWidth
import WorkshopKit

/// `workshop list`: every exercise with its state, its last measure against its limit, and its hints.
struct List: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the exercises: state, last and best measure against the limit, checks made, hints revealed."
  )

  func run() throws {
    let session = try CourseSession.locate()
    let listing = try session.listing()
    listing.warnings.forEach(say)
    guard !listing.rows.isEmpty else {
      print("The course in \(session.course.folder.path) has no exercises yet.")
      return
    }
    var rows: [[String]] = [["#", "exercise", "state", "last measure / limit", "best", "tries", "hints", "title"]]
    for row in listing.rows {
      let exercise = row.exercise
      let limit = exercise.manifest.limit
      let measure = CheckReportText.Measure(rawValue: limit.measure.rawValue) ?? .peak
      let text = { (value: UInt64) in
        limit.measure.isBytes ? ByteCountText.describe(value) : ByteCountText.grouped(value)
      }
      rows.append([
        "\(exercise.number)", exercise.name, row.progress.state.rawValue,
        "\(measure.name) \(row.progress.lastMeasured.map(text) ?? "-") / \(text(limit.value))",
        row.progress.bestMeasured.map(text) ?? "-", "\(row.progress.attempts.count)",
        "\(row.hintsRevealed)/\(row.hintCount)" + (row.progress.solutionRevealed ? " +solution" : ""),
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
    print("\n\(listing.passedCount) of \(listing.rows.count) exercises passed.", terminator: "")
    print(listing.next.isEmpty ? "" : " Next: " + listing.next.map { $0.command() }.joined(separator: ", then "))
  }
}
