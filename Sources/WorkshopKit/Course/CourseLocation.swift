import Foundation

/// Where the course is: the folder that holds `Exercises/`, `Lessons/` and `Solutions/`. Every
/// command finds it the same way.
public enum CourseLocation {
  /// The course folder that holds `part` (`Exercises` or `Lessons`): `WORKSHOP_COURSE_DIR` when set,
  /// else the first folder holding it from the current directory up, else the repository this
  /// executable was built from (so `workshop` works from anywhere on the machine it was built on).
  ///
  /// - Throws: ``WorkshopError/courseNotFound(part:searched:)`` naming where it looked.
  public static func folder(
    holding part: String, environment: [String: String] = ProcessInfo.processInfo.environment,
    currentDirectory: String = FileManager.default.currentDirectoryPath
  ) throws(WorkshopError) -> URL {
    if let override = environment["WORKSHOP_COURSE_DIR"], !override.isEmpty {
      let url = URL(fileURLWithPath: override, relativeTo: URL(fileURLWithPath: currentDirectory)).standardizedFileURL
      guard holds(url, part) else { throw .courseNotFound(part: part, searched: ["WORKSHOP_COURSE_DIR=\(override)"]) }
      return url
    }
    var directory = URL(fileURLWithPath: currentDirectory).standardizedFileURL
    while true {
      if holds(directory, part) { return directory }
      let parent = directory.deletingLastPathComponent()
      if parent.path == directory.path { break }
      directory = parent
    }
    if holds(builtFrom, part) { return builtFrom }
    throw .courseNotFound(part: part, searched: ["\(currentDirectory) and its parents", builtFrom.path])
  }

  /// The repository this file was compiled in (Sources/WorkshopKit/Course/CourseLocation.swift, four up).
  static let builtFrom = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// Whether `folder` holds a folder named `part`.
  static func holds(_ folder: URL, _ part: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: folder.appendingPathComponent(part).path, isDirectory: &isDirectory)
      && isDirectory.boolValue
  }
}
