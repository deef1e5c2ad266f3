import Foundation

/// The course: the folder that holds `Exercises/`, `Lessons/` and `Solutions/`, and its exercises.
public struct Course: Sendable {
  /// The course folder.
  public var folder: URL
  /// The exercises, by number.
  public var exercises: [Exercise]

  /// The name of the course's state folder.
  public static let stateFolderName = ".workshop"

  /// The course's own folder for state: progress, builds, captures, backups.
  public var stateFolder: URL { folder.appendingPathComponent(Self.stateFolderName) }

  /// Reads the course in `folder`: every `Exercises/exercise_N/` with its manifest.
  ///
  /// - Throws: ``WorkshopError/manifestInvalid(file:key:reason:)`` naming the first bad manifest, or
  ///   ``WorkshopError/duplicateExercise(number:first:second:)`` when two folders have one number
  ///   (`exercise_1` and `exercise_01`).
  public init(folder: URL) throws(WorkshopError) {
    self.folder = folder.standardizedFileURL
    let exercisesFolder = self.folder.appendingPathComponent("Exercises")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: exercisesFolder.path)) ?? []
    var found: [Exercise] = []
    var folderOfNumber: [Int: String] = [:]
    for name in names.sorted() {
      guard let number = Self.number(ofFolder: name) else { continue }
      let manifestPath = exercisesFolder.appendingPathComponent(name).appendingPathComponent("exercise.json").path
      guard FileManager.default.fileExists(atPath: manifestPath) else { continue }
      if let first = folderOfNumber[number] {
        throw .duplicateExercise(number: number, first: first, second: name)
      }
      folderOfNumber[number] = name
      let manifest = try ExerciseManifest(contentsOf: manifestPath)
      found.append(Exercise(name: name, number: number, courseFolder: self.folder, manifest: manifest))
    }
    exercises = found.sorted { $0.number < $1.number }
  }

  /// Finds the course (see ``CourseLocation/folder(holding:environment:currentDirectory:)``).
  public static func locate(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    currentDirectory: String = FileManager.default.currentDirectoryPath
  ) throws(WorkshopError) -> Course {
    try Course(
      folder: CourseLocation.folder(holding: "Exercises", environment: environment, currentDirectory: currentDirectory))
  }

  /// N for a folder named `exercise_N`, N written with ASCII digits only (no sign).
  public static func number(ofFolder name: String) -> Int? {
    guard name.hasPrefix("exercise_") else { return nil }
    let digits = name.dropFirst("exercise_".count)
    guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
      return nil
    }
    return Int(digits)
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
