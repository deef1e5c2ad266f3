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
    // Numbers JSON allows but a count of bytes does not: the key and the value, not "not valid JSON".
    #expect(
      try message(#"{"title": "T", "files": ["A.swift"], "limit": {"measure": "peak", "value": -5}}"#)
        == #"exercise.json: the key "limit.value" is wrong: -5 is not a whole number from 0 to 18446744073709551615"#)
    #expect(
      try message(
        #"{"title": "T", "files": ["A.swift"], "limit": {"measure": "peak", "value": 1}, "memoryBoundBytes": 1e300}"#)
        == #"exercise.json: the key "memoryBoundBytes" is wrong: 1e+300 is not a whole number from 0 to 18446744073709551615"#
    )
    #expect(
      try message(
        #"{"title": "T", "files": ["A.swift"], "limit": {"measure": "peak", "value": 1}, "timeLimitSeconds": 1e300}"#)
        == #"exercise.json: the key "timeLimitSeconds" is wrong: 1e+300 is not a number of seconds from 0 to 86400"#)
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

  @Test("an exercise folder's number is ASCII digits, without a sign")
  func folderNumbers() {
    #expect(Course.number(ofFolder: "exercise_3") == 3)
    #expect(Course.number(ofFolder: "exercise_03") == 3)
    for name in [
      "exercise_+1", "exercise_-1", "exercise_", "exercise_1a", "exercise_\u{0661}", "exercise_99999999999999999999",
    ] {
      #expect(Course.number(ofFolder: name) == nil, "\(name)")
    }
  }

  @Test("two folders with one number are one sentence naming both")
  func duplicateNumbers() throws {
    let copy = try CourseCopy()
    try FileManager.default.copyItem(at: copy.url("Exercises/exercise_2"), to: copy.url("Exercises/exercise_02"))
    #expect(throws: WorkshopError.duplicateExercise(number: 2, first: "exercise_02", second: "exercise_2")) {
      try Course(folder: copy.folder)
    }
  }

  @Test(
    "progress is written atomically and read back; a damaged file is put aside by update, never over an earlier one")
  func progressStore() throws {
    let folder = try TestEnvironment.scratchFolder("progress")
    let store = ProgressStore(courseFolder: folder)
    #expect(try store.load().progress == CourseProgress())
    try store.update { $0["exercise_1"].hintsRevealed = 2 }
    #expect(try store.load().progress["exercise_1"].hintsRevealed == 2)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(".workshop").path)
    #expect(leftovers.sorted() == ["progress.json", "progress.json.lock"], "no temporary file left behind")
    try Data("{\"version\": 0}".utf8).write(to: store.path)
    let (progress, damage) = try store.load()
    #expect(progress == CourseProgress())
    #expect(damage == "it does not have the expected keys and values")
    #expect(!FileManager.default.fileExists(atPath: store.path.path + ".damaged"), "reading changes no file")
    let warning = try store.update { $0["exercise_2"].hintsRevealed = 1 }
    #expect(warning?.contains("was damaged (it does not have the expected keys and values)") == true)
    #expect(try store.load().progress["exercise_2"].hintsRevealed == 1)
    try Data("nope".utf8).write(to: store.path)
    let second = try store.update { _ in }
    #expect(second?.hasSuffix("it is kept as .workshop/progress.json.damaged-2 and progress starts afresh") == true)
    #expect(FileManager.default.contents(atPath: store.path.path + ".damaged") == Data("{\"version\": 0}".utf8))
    #expect(FileManager.default.contents(atPath: store.path.path + ".damaged-2") == Data("nope".utf8))
  }

  @Test("a progress file of a newer format is refused in one sentence and left as it is")
  func progressTooNew() throws {
    let folder = try TestEnvironment.scratchFolder("progress-newer")
    let store = ProgressStore(courseFolder: folder)
    let newer = Data(#"{"version": 2, "exercises": {"exercise_1": {"state": "mastered"}}}"#.utf8)
    try FileManager.default.createDirectory(
      at: store.path.deletingLastPathComponent(), withIntermediateDirectories: true)
    try newer.write(to: store.path)
    let refusal = WorkshopError.progressTooNew(path: ".workshop/progress.json", version: 2, known: 1)
    #expect(throws: refusal) { try store.load() }
    #expect(throws: refusal) { try store.update { $0["exercise_1"].hintsRevealed = 1 } }
    #expect(FileManager.default.contents(atPath: store.path.path) == newer)
    #expect(!FileManager.default.fileExists(atPath: store.path.path + ".damaged"))
    #expect(
      refusal.description
        == ".workshop/progress.json was written by a newer workshop (format version 2; this one reads 1): "
        + "update workshop, or move the file aside to start afresh")
  }

  @Test("a huge or negative hint count in the file is clamped")
  func hintCountClamped() throws {
    let json =
      #"{"version": 1, "exercises": {"a": {"hintsRevealed": 9223372036854775807}, "b": {"hintsRevealed": -4}}}"#
    let progress = try JSONDecoder().decode(CourseProgress.self, from: Data(json.utf8))
    #expect(progress["a"].hintsRevealed == ExerciseProgress.maximumHintsRevealed)
    #expect(progress["b"].hintsRevealed == 0)
  }
}
