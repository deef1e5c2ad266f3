import ArgumentParser
import Foundation
import LessonText
import Rendering
import TerminalUI
import WorkshopKit

/// `workshop lesson [N | NAME | FILE]`: reads a lesson in the terminal.
struct Lesson: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lesson",
    abstract: "Read a lesson: in a pager on a terminal, as plain text when piped.",
    discussion: """
      With no argument, lists the course's lessons (the .rst files in Lessons/, found from the current \
      folder or WORKSHOP_COURSE_DIR). N is a lesson number, NAME a lesson's file name without .rst, FILE \
      any reStructuredText file. In the pager: arrows/j/k scroll, / searches, n/N repeat, ] and [ jump \
      between headings, r reveals the next hint (counted, as workshop hint does) and then the solutions \
      (asking first until the exercise passes, as workshop solution does), ? lists the keys, q quits.
      """
  )

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json
  }

  @Argument(help: "A lesson number, a lesson name, or the path of an .rst file.")
  var lesson: String?

  @Option(help: "Output format: text (the default) or json (the document tree for tools).")
  var format: Format = .text

  @Flag(help: "Show hints, solutions and <details> blocks expanded.")
  var reveal = false

  @Flag(help: "Print the text even on a terminal instead of opening the pager.")
  var noPager = false

  @Option(help: "Lay the text out for this many columns (default: the terminal's width, or 80).")
  var width: Int?

  func validate() throws {
    try LayoutWidth.validate(width, minimum: 20)
  }

  func run() throws {
    try read()
  }

  private func read() throws(WorkshopError) {
    guard let argument = lesson else {
      try list()
      return
    }
    let (path, displayName, number) = try resolve(argument)
    let source = try readLessonSource(path: path)
    let document = LessonDocument(parsing: source, file: displayName)
    if format == .json {
      print(document.json())
      return
    }
    for diagnostic in document.diagnostics where diagnostic.severity >= .warning {
      FileHandle.standardError.write(Data("\(diagnostic)\n".utf8))
    }
    let environment = ProcessInfo.processInfo.environment
    let terminal = Terminal.standardOutput(environment: environment)
    let revealCommand = "workshop lesson \(number.map(String.init) ?? argument) --reveal"
    func render(width: Int, revealed: LessonReveal) -> LessonRendering {
      // A lesson that teaches exercise N: its hints and solutions are what `hint N` and `solution N` show.
      let exercise = document.exercise.flatMap(Course.number(ofFolder:))
      let options = LessonRenderer.Options(
        width: width, capabilities: terminal,
        hintCommand: exercise.map { NextStep.hint(exercise: $0, hint: 1).command() },
        solutionCommand: exercise.map { NextStep.solution(exercise: $0).command() }, revealCommand: revealCommand,
        revealed: revealed)
      return LessonRenderer(options: options).render(document)
    }
    let term = environment["TERM"] ?? ""
    if Terminal.standardOutputIsTerminal && Terminal.standardInputIsTerminal && !noPager && term != "dumb" {
      let rules = reveal ? nil : document.exercise.flatMap(Self.courseRules(forExercise:))
      let pager = Pager(title: document.title ?? displayName, rules: rules ?? .showOrHideAll) { width, revealed in
        render(width: self.width ?? width, revealed: self.reveal ? .everything : revealed)
      }
      if pager.run(capabilities: terminal, term: term) { return }
    }
    let rendering = render(width: LayoutWidth.choose(width, fallback: 80), revealed: reveal ? .everything : .nothing)
    print(rendering.grid.text(for: terminal), terminator: "")
  }

  /// The pager's `r` in a lesson that teaches `folder` of the course: the course's rules, as
  /// `workshop hint` and `workshop solution` follow them. One hint at a time, counted in the progress
  /// file; then the solutions, asked for first until the exercise has passed; then `<details>`.
  /// Nil outside a course.
  static func courseRules(forExercise folder: String) -> PagerRevealRules? {
    guard let session = try? CourseSession.locate(), let exercise = try? session.exercise(named: folder) else {
      return nil
    }
    let hints = (try? session.lessonWithHints(of: exercise).hints.count) ?? 0
    let entry = (try? session.progress().progress[exercise.name]) ?? ExerciseProgress()
    func showSolutions(_ shown: LessonReveal) -> PagerRevealRules.Step {
      do {
        _ = try session.revealSolution(of: exercise)
      } catch {
        return .refuse(message: "\(error)")
      }
      var more = shown
      more.solutions = true
      return .show(more, message: "solutions revealed")
    }
    return PagerRevealRules(
      initial: LessonReveal(hints: min(entry.hintsRevealed, hints), solutions: entry.solutionRevealed),
      next: { shown in
        var more = shown
        if shown.hints < hints {
          do {
            more.hints = max(shown.hints + 1, try session.revealHint(of: exercise).number)
          } catch {
            return .refuse(message: "\(error)")
          }
          return .show(more, message: "hint \(more.hints) of \(hints) revealed")
        }
        if !shown.solutions {
          if (try? session.solutionNeedsConfirmation(exercise)) ?? true {
            return .ask(question: "\(exercise.name) has not passed yet. Show its solutions anyway?")
          }
          return showSolutions(shown)
        }
        if !shown.details {
          more.details = true
          return .show(more, message: "every hidden block revealed")
        }
        return .refuse(message: "nothing more to reveal")
      },
      confirmed: showSolutions)
  }

  /// A file path, or a lesson of the course.
  private func resolve(_ argument: String) throws(WorkshopError) -> (String, String, Int?) {
    var isDirectory: ObjCBool = false
    let looksLikeFile = argument.contains("/") || argument.hasSuffix(".rst") || argument.hasSuffix(".txt")
    if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue {
      return (argument, argument, nil)
    }
    if looksLikeFile { throw .noSuchLesson(argument) }
    let catalog: LessonCatalog
    do {
      catalog = try LessonCatalog.locate()
    } catch {
      if Int(argument) != nil { throw error }
      throw .noSuchLesson(argument)
    }
    guard let found = try catalog.lesson(named: argument) else { throw .noSuchLesson(argument) }
    return (found.path, found.name + ".rst", found.number)
  }

  private func list() throws(WorkshopError) {
    let catalog = try LessonCatalog.locate()
    guard !catalog.lessons.isEmpty else {
      print("The course has no lessons yet: \(catalog.folder) holds no .rst files.")
      return
    }
    print("Lessons in \(catalog.folder):")
    let numberWidth = String(catalog.lessons.count).count
    for lesson in catalog.lessons {
      let number = String(repeating: " ", count: numberWidth - String(lesson.number).count) + String(lesson.number)
      print("  \(number). \(lesson.title)  (\(lesson.name))")
    }
    print("Read one with `workshop lesson N`.")
  }
}
