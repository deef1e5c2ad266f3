import Foundation
import Testing
import WorkshopKit

/// A temporary course folder with the given lesson files.
func makeCourse(_ files: [String: String]) throws -> URL {
  let root = FileManager.default.temporaryDirectory.appendingPathComponent("course-\(UUID().uuidString)")
  let lessons = root.appendingPathComponent("Lessons")
  try FileManager.default.createDirectory(at: lessons, withIntermediateDirectories: true)
  for (name, text) in files {
    try text.write(to: lessons.appendingPathComponent(name), atomically: true, encoding: .utf8)
  }
  return root
}

@Suite("Lesson catalog")
struct LessonCatalogTests {
  @Test("Lessons are numbered in file-name order and titled by their first heading")
  func listing() throws {
    let root = try makeCourse([
      "02-leaks.rst": "Leaks\n=====\n\nText.\n", "01-intro.rst": "Introduction\n============\n",
      "10-last.rst": "No title here.\n", "index.rst": ".. toctree::\n",
    ])
    let catalog = try LessonCatalog.locate(environment: ["WORKSHOP_COURSE_DIR": root.path])
    #expect(catalog.lessons.map(\.title) == ["Introduction", "Leaks", "10-last"])
    #expect(catalog.lessons.map(\.number) == [1, 2, 3])
    #expect(try catalog.lesson(named: "2")?.name == "02-leaks")
    #expect(try catalog.lesson(named: "leaks")?.number == 2)
    #expect(try catalog.lesson(named: "nothing") == nil)
    #expect(throws: WorkshopError.noSuchLessonNumber(7, count: 3)) { try catalog.lesson(named: "7") }
  }

  @Test("The catalog is found from a folder inside the course")
  func locateFromSubfolder() throws {
    let root = try makeCourse(["a.rst": "A\n=\n"])
    let sub = root.appendingPathComponent("Lessons/../Sources/x")
    try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
    let catalog = try LessonCatalog.locate(environment: [:], currentDirectory: sub.path)
    #expect(catalog.lessons.count == 1)
  }

  @Test("Error messages are sentences naming the value")
  func messages() {
    #expect(
      WorkshopError.noSuchLessonNumber(9, count: 2).description
        == "there is no lesson 9: the course has lessons 1 to 2; run `workshop lesson` to list them")
    #expect(WorkshopError.noSuchLesson("x.rst").description.hasPrefix("\"x.rst\" is neither"))
  }
}
