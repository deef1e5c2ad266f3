import Foundation
import Testing
import WorkshopTestSupport
import WorkshopKit

/// The course's files read in-process: manifests, the catalog, the progress store.
@Suite("course model")
struct CourseModelTests {
  private func manifest(_ json: String) throws -> Result<ExerciseManifest, WorkshopError> {
    let folder = try TestEnvironment.scratchFolder("manifest")
    let path = folder.appendingPathComponent("exercise.json").path
    try json.write(toFile: path, atomically: true, encoding: .utf8)
    return Result { () throws(WorkshopError) in try ExerciseManifest(contentsOf: path) }
  }

  private func message(_ json: String) throws -> String {
    guard case .failure(let error) = try manifest(json) else { return "(no error)" }
    return error.description.replacingOccurrences(
      of: #"^.*exercise\.json"#, with: "exercise.json", options: .regularExpression)
  }

  @Test("a manifest's defaults, and errors that name the file and the key")
  func manifests() throws {
    let good = try manifest(#"{"title": "T", "files": ["A.swift"], "limit": {"measure": "leaks", "value": 0}}"#).get()
    #expect(good.limit == ExerciseLimit(measure: .leaks, value: 0))
    #expect(good.timeLimitSeconds == 20 && good.memoryBoundBytes == 1 << 30)
    #expect(
      try message(#"{"title": "T", "files": ["A.swift"], "limit": {"measure": "rss", "value": 1}}"#)
        == #"exercise.json: the key "limit.measure" is wrong: "rss" is not one of peak, leaks, allocations, temporary"#)
    #expect(
      try message(#"{"title": "T", "files": ["A.swift"], "limit": {"measure": "peak"}}"#)
        == #"exercise.json: the key "limit.value" is wrong: it is missing"#)
    #expect(
      try message(#"{"title": "T", "files": "A.swift", "limit": {"measure": "peak", "value": 1}}"#)
        == #"exercise.json: the key "files" is wrong: it must be a list"#)
    #expect(
      try message(#"{"title": "T", "files": ["../A.swift"], "limit": {"measure": "peak", "value": 1}}"#)
        == #"exercise.json: the key "files" is wrong: "../A.swift" is not a path inside the exercise folder"#)
    #expect(try message("{nope") == "exercise.json cannot be read: it is not valid JSON")
  }

  @Test("the catalog takes exercise_N and N, and names what exists otherwise")
  func catalog() throws {
    let copy = try CourseCopy()
    let course = try Course(folder: copy.folder)
    #expect(course.exercises.map(\.name) == ["exercise_1", "exercise_2", "exercise_3"])
    #expect(try course.exercise(named: "2").name == "exercise_2")
    #expect(try course.exercise(named: "Exercises/exercise_3/").name == "exercise_3")
    #expect(throws: WorkshopError.unknownExercise("exercise_9", known: ["exercise_1", "exercise_2", "exercise_3"])) {
      try course.exercise(named: "exercise_9")
    }
    let located = try Course.locate(environment: [:], currentDirectory: copy.url("Exercises/exercise_1/Check").path)
    #expect(located.folder.standardizedFileURL.path == copy.folder.standardizedFileURL.path, "walks up")
  }

  @Test("progress is written atomically and read back; a damaged file is put aside")
  func progressStore() throws {
    let folder = try TestEnvironment.scratchFolder("progress")
    let store = ProgressStore(courseFolder: folder)
    #expect(store.load().progress == CourseProgress())
    try store.update { $0["exercise_1"].hintsRevealed = 2 }
    #expect(store.load().progress["exercise_1"].hintsRevealed == 2)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(".workshop").path)
    #expect(leftovers.sorted() == ["progress.json", "progress.json.lock"], "no temporary file left behind")
    try Data("{\"version\": 7}".utf8).write(to: store.path)
    let (progress, warning) = store.load()
    #expect(progress == CourseProgress())
    #expect(warning?.contains("was damaged (it does not have the expected keys and values)") == true)
    #expect(FileManager.default.fileExists(atPath: store.path.path + ".damaged"))
  }
}
