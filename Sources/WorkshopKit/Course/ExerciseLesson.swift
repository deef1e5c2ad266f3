import Foundation
import LessonText

/// The lesson that teaches an exercise (the one whose `.. exercise::` names it), with its hints and
/// its solution blocks.
public struct ExerciseLesson: Sendable {
  /// The lesson file.
  public var lesson: Lesson
  /// Its tree.
  public var document: LessonDocument
  /// Its `course-hint` blocks, in order: hint N is `hints[N - 1]`.
  public var hints: [Node]
  /// Its `solution` blocks, in order.
  public var solutions: [Node]

  /// Reads the lessons in the course's `Lessons/` and keeps the one tied to `exercise`, or nil when
  /// no lesson names it.
  public static func find(for exercise: Exercise, in course: Course) -> ExerciseLesson? {
    let catalog = LessonCatalog(folder: course.folder.appendingPathComponent("Lessons").path)
    for lesson in catalog.lessons {
      guard let source = try? readLessonSource(path: lesson.path) else { continue }
      let relative = "Lessons/" + URL(fileURLWithPath: lesson.path).lastPathComponent
      let document = LessonDocument(parsing: source, file: relative)
      guard document.exercise == exercise.name else { continue }
      var hints: [(Int, Node)] = []
      var solutions: [Node] = []
      collect(document.root, hints: &hints, solutions: &solutions)
      return ExerciseLesson(
        lesson: lesson, document: document, hints: hints.sorted { $0.0 < $1.0 }.map(\.1), solutions: solutions)
    }
    return nil
  }

  /// A document that holds only `nodes` (a hint, the solutions), to render on their own.
  public func document(showing nodes: [Node]) -> LessonDocument {
    var part = document
    part.root.children = nodes
    part.diagnostics = []
    return part
  }

  private static func collect(_ node: Node, hints: inout [(Int, Node)], solutions: inout [Node]) {
    if case .collapsible(_, let role) = node.kind {
      switch role {
      case .hint(let number): hints.append((number, node))
      case .solution: solutions.append(node)
      case .details: break
      }
    }
    for child in node.children { collect(child, hints: &hints, solutions: &solutions) }
  }
}
