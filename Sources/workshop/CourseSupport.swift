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

/// Writes a changed progress, saying in one sentence when the old file was damaged or the new one
/// could not be written (neither stops the command).
func updateProgress(_ store: ProgressStore, _ change: (inout CourseProgress) -> Void) {
  do {
    if let warning = try store.update(change) { say(warning) }
  } catch {
    say("\(error); this is not remembered")
  }
}

/// The progress, saying in one sentence when the file was damaged (it is then kept aside and
/// rebuilt under the store's lock, see ``ProgressStore/update(_:)``).
///
/// - Throws: ``WorkshopError/progressTooNew(path:version:known:)``: a newer workshop's file is left alone.
func loadProgress(_ store: ProgressStore) throws -> CourseProgress {
  var (progress, damage) = try store.load()
  if damage != nil {
    updateProgress(store) { progress = $0 }
  }
  return progress
}
