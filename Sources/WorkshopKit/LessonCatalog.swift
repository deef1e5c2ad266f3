import Foundation
import LessonText

/// One lesson of the course.
public struct Lesson: Sendable, Equatable {
  /// Its number, 1-based, in file-name order.
  public var number: Int
  /// Its name: the file name without `.rst`.
  public var name: String
  /// The file's path.
  public var path: String
  /// The first section title, or the name when there is none.
  public var title: String
}

/// The course's lessons: the `.rst` files in `Lessons/` (except `index.rst`), numbered in file-name order.
public struct LessonCatalog: Sendable {
  /// The `Lessons/` folder.
  public var folder: String
  /// The lessons, in order.
  public var lessons: [Lesson]

  /// Finds `Lessons/` in the course (see ``CourseLocation/folder(holding:environment:currentDirectory:)``).
  public static func locate(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    currentDirectory: String = FileManager.default.currentDirectoryPath
  ) throws(WorkshopError) -> LessonCatalog {
    let course = try CourseLocation.folder(
      holding: "Lessons", environment: environment, currentDirectory: currentDirectory)
    return LessonCatalog(folder: course.appendingPathComponent("Lessons").path)
  }

  /// Reads the lessons in `folder`.
  public init(folder: String) {
    self.folder = folder
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    let files = names.filter { $0.hasSuffix(".rst") && $0 != "index.rst" && !$0.hasPrefix(".") }.sorted {
      $0.localizedStandardCompare($1) == .orderedAscending
    }
    lessons = files.enumerated().map { index, file in
      let path = folder + "/" + file
      let name = String(file.dropLast(4))
      let source = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
      let title = LessonDocument(parsing: source, file: path).title ?? name
      return Lesson(number: index + 1, name: name, path: path, title: title)
    }
  }

  /// The lesson a command-line argument names: a number, a lesson name (with or without a leading
  /// number like `01-`), or nil when the argument is not a lesson.
  public func lesson(named argument: String) throws(WorkshopError) -> Lesson? {
    if let number = Int(argument) {
      guard number >= 1 && number <= lessons.count else {
        throw .noSuchLessonNumber(number, count: lessons.count)
      }
      return lessons[number - 1]
    }
    let wanted = argument.hasSuffix(".rst") ? String(argument.dropLast(4)) : argument
    return lessons.first {
      $0.name == wanted || $0.name.drop(while: { $0.isNumber }).drop(while: { $0 == "-" || $0 == "_" }) == wanted
    }
  }
}

/// Reads a lesson file's text.
public func readLessonSource(path: String) throws(WorkshopError) -> String {
  guard let data = FileManager.default.contents(atPath: path) else { throw .noSuchLesson(path) }
  guard let text = String(data: data, encoding: .utf8) else { throw .unreadableLesson(path: path) }
  return text
}
