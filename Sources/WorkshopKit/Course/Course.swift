import Foundation

/// The course: the folder that holds `Exercises/`, `Lessons/` and `Solutions/`, and its exercises.
public struct Course: Sendable {
  /// The course folder.
  public var folder: URL
  /// The exercises, by number.
  public var exercises: [Exercise]

  /// The course's own folder for state: progress, builds, captures, backups.
  public var stateFolder: URL { folder.appendingPathComponent(".workshop") }

  /// Reads the course in `folder`: every `Exercises/exercise_N/` with its manifest.
  ///
  /// - Throws: ``WorkshopError/manifestInvalid(file:key:reason:)`` naming the first bad manifest.
  public init(folder: URL) throws(WorkshopError) {
    self.folder = folder.standardizedFileURL
    let exercisesFolder = self.folder.appendingPathComponent("Exercises")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: exercisesFolder.path)) ?? []
    var found: [Exercise] = []
    for name in names {
      guard let number = Self.number(ofFolder: name) else { continue }
      let manifestPath = exercisesFolder.appendingPathComponent(name).appendingPathComponent("exercise.json").path
      guard FileManager.default.fileExists(atPath: manifestPath) else { continue }
      let manifest = try ExerciseManifest(contentsOf: manifestPath)
      found.append(Exercise(name: name, number: number, courseFolder: self.folder, manifest: manifest))
    }
    exercises = found.sorted { $0.number < $1.number }
  }

  /// Finds the course: `WORKSHOP_COURSE_DIR`, else the first folder holding `Exercises/` from the
  /// current directory up, else the repository this executable was built from.
  public static func locate(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    currentDirectory: String = FileManager.default.currentDirectoryPath
  ) throws(WorkshopError) -> Course {
    if let override = environment["WORKSHOP_COURSE_DIR"], !override.isEmpty {
      let url = URL(fileURLWithPath: override, relativeTo: URL(fileURLWithPath: currentDirectory))
      guard isCourse(url) else { throw .exercisesNotFound(searched: ["WORKSHOP_COURSE_DIR=\(override)"]) }
      return try Course(folder: url)
    }
    var directory = URL(fileURLWithPath: currentDirectory).standardizedFileURL
    while true {
      if isCourse(directory) { return try Course(folder: directory) }
      let parent = directory.deletingLastPathComponent()
      if parent.path == directory.path { break }
      directory = parent
    }
    if isCourse(builtFrom) { return try Course(folder: builtFrom) }
    throw .exercisesNotFound(searched: ["\(currentDirectory) and its parents", builtFrom.path])
  }

  /// The repository this file was compiled in (Sources/WorkshopKit/Course/Course.swift, four up).
  static let builtFrom = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// Whether `folder` holds `Exercises/`.
  static func isCourse(_ folder: URL) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(
      atPath: folder.appendingPathComponent("Exercises").path, isDirectory: &isDirectory) && isDirectory.boolValue
  }

  /// N for a folder named `exercise_N`.
  static func number(ofFolder name: String) -> Int? {
    guard name.hasPrefix("exercise_") else { return nil }
    let digits = name.dropFirst("exercise_".count)
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let number = Int(digits), number >= 0 else { return nil }
    return number
  }

  /// The exercise an argument names: `exercise_3`, `3`, or `Exercises/exercise_3/`.
  ///
  /// - Throws: ``WorkshopError/unknownExercise(_:known:)`` listing the exercises there are.
  public func exercise(named argument: String) throws(WorkshopError) -> Exercise {
    var text = argument.trimmingCharacters(in: .whitespaces)
    while text.hasSuffix("/") { text.removeLast() }
    if let slash = text.lastIndex(of: "/") { text = String(text[text.index(after: slash)...]) }
    let number = Int(text) ?? Self.number(ofFolder: text)
    if let number, let exercise = exercises.first(where: { $0.number == number }) { return exercise }
    throw .unknownExercise(argument, known: exercises.map(\.name))
  }
}
