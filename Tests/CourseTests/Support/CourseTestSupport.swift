import Foundation
import Testing

/// Where the built products, the repository and the fixture course are.
enum CourseTestEnvironment {
  /// The build products folder: `WORKSHOP_BIN_PATH`, else the folder above this test bundle that
  /// holds `workshop`.
  static let productsFolder: URL = {
    if let binPath = ProcessInfo.processInfo.environment["WORKSHOP_BIN_PATH"], !binPath.isEmpty {
      return URL(fileURLWithPath: binPath)
    }
    var url = Bundle.main.bundleURL
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("workshop").path) {
      url.deleteLastPathComponent()
    }
    return url
  }()

  /// The `workshop` executable.
  static var workshopExecutable: String { productsFolder.appendingPathComponent("workshop").path }

  /// The preloaded tracker, built by Scripts/bootstrap.sh beside `workshop`.
  static var trackerLibrary: String { productsFolder.appendingPathComponent("libworkshop_tracker.so").path }

  /// The repository (Tests/CourseTests/Support/ is three folders down).
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The fixture course.
  static let fixtureCourse = repository.appendingPathComponent("Tests/CourseTests/Fixtures/course")

  /// One build cache for every copy of a course in every test run: builds are keyed by content, so a
  /// copy never gets another's program, and an unchanged exercise compiles once for the whole suite.
  static let sharedBuildCache = FileManager.default.temporaryDirectory.appendingPathComponent(
    "workshop-course-tests-build-cache")

  /// A fresh scratch folder for one test.
  static func scratchFolder(_ name: String) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-course-tests")
      .appendingPathComponent("\(safe)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}

/// A temporary copy of the fixture course (with the repository's Exercises/Support/), and the
/// built `workshop` run against it.
struct CourseCopy {
  /// The copy's folder.
  let folder: URL

  /// Copies the fixture course for one test.
  init(name: String = #function) throws {
    folder = try CourseTestEnvironment.scratchFolder(name).appendingPathComponent("course")
    try FileManager.default.copyItem(at: CourseTestEnvironment.fixtureCourse, to: folder)
    try FileManager.default.copyItem(
      at: CourseTestEnvironment.repository.appendingPathComponent("Exercises/Support"),
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

  /// Runs `workshop ARGUMENTS` with `WORKSHOP_COURSE_DIR` at the copy, from inside it.
  func workshop(_ arguments: String..., standardInput: String = "") throws -> CommandResult {
    try CommandResult.run(
      [CourseTestEnvironment.workshopExecutable] + arguments, currentDirectory: folder,
      environment: [
        "WORKSHOP_COURSE_DIR": folder.path, "WORKSHOP_BUILD_CACHE": CourseTestEnvironment.sharedBuildCache.path,
        "COLUMNS": "100",
      ], standardInput: standardInput)
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

/// What a command printed and how it ended.
struct CommandResult {
  /// The exit status (128 + the signal when a signal ended it).
  var status: Int32
  /// Standard output.
  var standardOutput: String
  /// Standard error.
  var standardError: String
  /// Seconds from start to end.
  var seconds: Double

  /// Runs `arguments` to completion, its output into files (a chatty child never blocks on a pipe).
  static func run(
    _ arguments: [String], currentDirectory: URL, environment: [String: String] = [:], standardInput: String = ""
  ) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    process.currentDirectoryURL = currentDirectory
    var merged = ProcessInfo.processInfo.environment
    for (key, value) in environment { merged[key] = value }
    merged.removeValue(forKey: "NO_COLOR")
    process.environment = merged
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-course-command-\(UUID())")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let paths = ["stdout", "stderr", "stdin"].map { scratch.appendingPathComponent($0) }
    for path in paths { _ = FileManager.default.createFile(atPath: path.path, contents: nil) }
    try Data(standardInput.utf8).write(to: paths[2])
    process.standardOutput = try FileHandle(forWritingTo: paths[0])
    process.standardError = try FileHandle(forWritingTo: paths[1])
    process.standardInput = try FileHandle(forReadingFrom: paths[2])
    let start = Date()
    try process.run()
    process.waitUntilExit()
    let seconds = Date().timeIntervalSince(start)
    return CommandResult(
      status: process.terminationReason == .uncaughtSignal
        ? 128 + process.terminationStatus : process.terminationStatus,
      standardOutput: try String(contentsOf: paths[0], encoding: .utf8),
      standardError: try String(contentsOf: paths[1], encoding: .utf8), seconds: seconds)
  }

  /// Both streams, for failure messages.
  var all: String { "--- stdout\n\(standardOutput)--- stderr\n\(standardError)" }
}
