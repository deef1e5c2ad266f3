import Foundation
import Testing
import WorkshopKit
import WorkshopTestSupport

/// Every exercise's correctness cases catch a "fix" that deletes the work: the learner's main
/// function made to return an empty result (or to do nothing) at once. Such an edit passes any
/// memory limit, so the cases are all that stand between it and "passed".
@Suite("deleted work gets a wrong answer", .timeLimit(.minutes(10)))
struct DeletedWorkTests {
  /// An edit that deletes an exercise's work: `statement` put first in the body of the function
  /// declared by `declaration` (the rest of the body is then never run).
  struct DeletingEdit: CustomTestStringConvertible, Sendable {
    var exercise: String
    var file: String
    var declaration: String
    var statement: String

    var testDescription: String { "\(exercise): \(statement)" }
  }

  static let edits = [
    DeletingEdit(
      exercise: "exercise_1", file: "Fibonacci.swift", declaration: "func fibonacci(count: Int) -> [Int] {",
      statement: "return []"),
    DeletingEdit(
      exercise: "exercise_2", file: "Readings.swift",
      declaration: "func summarizeReadings(count: Int) -> ReadingSummary {",
      statement: "return ReadingSummary(count: count, mean: 0, highest: Int.min, hotSamples: 0, glitches: 0)"),
    DeletingEdit(
      exercise: "exercise_3", file: "Terrain.swift",
      declaration: "func cheapestClimb(toRow row: Int, column: Int) -> Int {",
      statement: "return 0"),
    DeletingEdit(
      exercise: "exercise_4", file: "Connection.swift", declaration: "func receive(_ bytes: [UInt8]) {",
      statement: "return ()"),  // a bare `return` would take the next line as its value
    DeletingEdit(
      exercise: "exercise_5", file: "Report.swift", declaration: "func csvReport(_ sales: [Sale]) -> String {",
      statement: "return \"\""),
    DeletingEdit(
      exercise: "exercise_6", file: "Tally.swift",
      declaration: "func tallyReadings(_ readings: [Reading]) -> [String: Tally] {",
      statement: "return [:]"),
    DeletingEdit(
      exercise: "exercise_7", file: "AccessLog.swift",
      declaration: "func failedUsers(inLines count: Int) -> [Substring] {",
      statement: "return []"),
    DeletingEdit(
      exercise: "exercise_8", file: "Settings.swift",
      declaration: "func parseSettings(_ line: String) -> [String: Int]? {",
      statement: "return nil"),
    DeletingEdit(
      exercise: "exercise_9", file: "Reviews.swift", declaration: "func keywordScore(of review: String) -> Int {",
      statement: "return 0"),
    DeletingEdit(
      exercise: "exercise_10", file: "Thumbnails.swift",
      declaration: "func makeThumbnails(count: Int, announcer: Announcer) -> [[UInt8]] {", statement: "return []"),
  ]

  @Test("every exercise of the repository's course has a deleting edit here")
  func everyExerciseCovered() throws {
    let course = try Course(folder: TestEnvironment.repositoryRoot)
    #expect(course.exercises.map(\.name) == Self.edits.map(\.exercise))
  }

  // One at a time: ten compilers at once would starve the rest of the suite on a small machine.
  @Test("the edit gets a wrong answer", .serialized, arguments: edits)
  func deletedWork(_ edit: DeletingEdit) async throws {
    let folder = try TestEnvironment.scratchFolder("deleted-work-\(edit.exercise)").appendingPathComponent("course")
    for part in ["Exercises/Support", "Exercises/\(edit.exercise)", "Solutions/\(edit.exercise)"] {
      try FileManager.default.createDirectory(
        at: folder.appendingPathComponent(part).deletingLastPathComponent(), withIntermediateDirectories: true)
      try FileManager.default.copyItem(
        at: TestEnvironment.repositoryRoot.appendingPathComponent(part), to: folder.appendingPathComponent(part))
    }
    let path = folder.appendingPathComponent("Exercises/\(edit.exercise)/\(edit.file)")
    let shipped = try String(contentsOf: path, encoding: .utf8)
    try #require(
      shipped.components(separatedBy: edit.declaration).count == 2,
      "\(edit.exercise)/\(edit.file) declares `\(edit.declaration)` once")
    try shipped.replacingOccurrences(of: edit.declaration, with: edit.declaration + "\n  " + edit.statement)
      .write(to: path, atomically: true, encoding: .utf8)

    let course = try Course(folder: folder)
    let checker = ExerciseChecker(
      builder: ExerciseBuilder(cacheFolder: CourseTestEnvironment.sharedBuildCache),
      runner: ExerciseRunner(trackerLibrary: TestEnvironment.trackerLibrary))
    let exercise = try course.exercise(named: edit.exercise)
    let result = try await withOwnThread {
      try checker.check(exercise, capturePath: folder.appendingPathComponent("capture.bin").path)
    }
    #expect(
      result.verdict == .casesFailed,
      "\(edit.exercise) with `\(edit.statement)`: \(result.verdict) \(result.diagnostics ?? "")")
  }
}
