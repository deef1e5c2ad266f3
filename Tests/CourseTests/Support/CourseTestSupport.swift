import Foundation
import Testing
import WorkshopTestSupport

/// The fixture course and the build cache the course tests share (the products, the repository
/// and scratch folders come from WorkshopTestSupport's `TestEnvironment`).
enum CourseTestEnvironment {
  /// The fixture course.
  static let fixtureCourse = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/CourseTests/Fixtures/course")

  /// One build cache for every copy of a course in every test run: builds are keyed by content, so a
  /// copy never gets another's program, and an unchanged exercise compiles once for the whole suite.
  static let sharedBuildCache = FileManager.default.temporaryDirectory.appendingPathComponent(
    "workshop-course-tests-build-cache")
}

/// A temporary copy of the fixture course (with the repository's Exercises/Support/), and the
/// built `workshop` run against it.
struct CourseCopy {
  /// The copy's folder.
  let folder: URL

  /// Copies the fixture course for one test.
  init(name: String = #function) throws {
    folder = try TestEnvironment.scratchFolder(name).appendingPathComponent("course")
    try FileManager.default.copyItem(at: CourseTestEnvironment.fixtureCourse, to: folder)
    try FileManager.default.copyItem(
      at: TestEnvironment.repositoryRoot.appendingPathComponent("Exercises/Support"),
      to: folder.appendingPathComponent("Exercises/Support"))
  }

  /// A file of the copy, by its path relative to the course.
  func url(_ relative: String) -> URL { folder.appendingPathComponent(relative) }

  /// The text of a file of the copy.
  func read(_ relative: String) throws -> String { try String(contentsOf: url(relative), encoding: .utf8) }

  /// Replaces a file of the copy.
  func write(_ relative: String, _ text: String) throws {
    try FileManager.default.createDirectory(
      at: url(relative).deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url(relative), atomically: true, encoding: .utf8)
  }

  /// Changes keys of an exercise's manifest (the test's setup, never the learner's).
  func setManifest(_ exercise: String, _ values: [String: Any]) throws {
    let path = "Exercises/\(exercise)/exercise.json"
    var object = try #require(
      try JSONSerialization.jsonObject(with: Data(read(path).utf8)) as? [String: Any])
    for (key, value) in values { object[key] = value }
    try write(path, String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
  }

  /// Runs `workshop ARGUMENTS` with `WORKSHOP_COURSE_DIR` at the copy, from inside it (`COLUMNS=100`
  /// unless `environment` says otherwise).
  func workshop(
    _ arguments: String..., standardInput: String = "", environment: [String: String] = [:]
  ) throws -> Command.Result {
    try TestEnvironment.requireProducts()
    let base = [
      "WORKSHOP_COURSE_DIR": folder.path, "WORKSHOP_BUILD_CACHE": CourseTestEnvironment.sharedBuildCache.path,
      "COLUMNS": "100",
    ]
    return try Command.run(
      [TestEnvironment.workshopExecutable] + arguments, environment: base.merging(environment) { $1 },
      unsetting: ["NO_COLOR"], currentDirectory: folder, standardInput: standardInput)
  }

  /// The progress file, decoded.
  func progress() throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: Data(read(".workshop/progress.json").utf8)) as? [String: Any])
  }

  /// One exercise's entry of the progress file.
  func progress(of exercise: String) throws -> [String: Any] {
    let exercises = try #require(try progress()["exercises"] as? [String: Any])
    return try #require(exercises[exercise] as? [String: Any])
  }
}
