import Foundation
import LessonText
import Rendering
import TerminalUI
import WorkshopKit

#if canImport(Glibc)
  import Glibc
#endif

/// Asks a yes-or-no question on the terminal; without one (input or output not a terminal), throws
/// ``WorkshopError/confirmationNeeded(action:flag:)`` so that a script never hangs on a question.
///
/// - Returns: whether the answer was yes.
func confirm(_ question: String, action: String, flag: String = "--yes") throws -> Bool {
  guard Terminal.standardInputIsTerminal && Terminal.standardOutputIsTerminal else {
    throw WorkshopError.confirmationNeeded(action: action, flag: flag)
  }
  print("\(question) [y/N] ", terminator: "")
  fflush(nil)
  let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
  return answer == "y" || answer == "yes"
}

/// Renders part of a lesson (hints, solutions) expanded, for standard output.
func renderLessonPart(_ lesson: ExerciseLesson, nodes: [LessonText.Node], width: Int?) -> String {
  let terminal = Terminal.standardOutput()
  let options = LessonRenderer.Options(
    width: LayoutWidth.choose(width, fallback: 80), capabilities: terminal, reveal: true)
  let rendering = LessonRenderer(options: options).render(lesson.document(showing: nodes))
  return rendering.grid.text(for: terminal)
}
