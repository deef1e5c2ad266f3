import ArgumentParser
import Foundation
import WorkshopKit

/// `workshop reset N`: restores an exercise's files as shipped, keeping the learner's as a backup.
struct Reset: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reset",
    abstract: "Restore an exercise's files as shipped; your version is kept in .workshop/backups/.",
    discussion: """
      Asks first on a terminal; elsewhere it needs --yes. The original is the file as committed \
      (or as it was when workshop first saw the course), see docs/course-format.md.
      """
  )

  @Argument(help: "The exercise: exercise_N or N.")
  var exercise: String

  @Flag(name: [.short, .long], help: "Reset without asking.")
  var yes = false

  func run() throws {
    let session = try CourseSession.locate()
    let chosen = try session.exercise(named: exercise)
    let changed = try session.changedFiles(of: chosen)
    guard !changed.isEmpty else {
      print("\(chosen.name) is already as shipped: nothing to reset.")
      return
    }
    if !yes {
      let question = "Restore \(changed.joined(separator: ", ")) as shipped? Your version is kept as a backup."
      guard try confirm(question, action: "resetting \(chosen.name)") else {
        print("Nothing was changed.")
        return
      }
    }
    guard let result = try session.reset(chosen) else { return }
    for file in result.restored { print("restored \(file)") }
    if let backup = result.backup {
      print("your version is kept in \(backup)/")
    } else {
      print("none of your files existed, so there was nothing to keep")
    }
    result.warnings.forEach(say)
  }
}
