import ArgumentParser
import Foundation
import LessonText
import Rendering
import TerminalUI
import WorkshopKit

/// `workshop lesson [N | NAME | FILE]`: reads a lesson in the terminal.
struct Lesson: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Read a lesson: in a pager on a terminal, as plain text when piped.",
    discussion: """
      With no argument, lists the course's lessons (the .rst files in Lessons/, found from the current \
      folder or WORKSHOP_COURSE_DIR). N is a lesson number, NAME a lesson's file name without .rst, FILE \
      any reStructuredText file. In the pager: arrows/j/k scroll, / searches, n/N repeat, ] and [ jump \
      between headings, r reveals hints and solutions, q quits.
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
    func render(width: Int, reveal: Bool) -> LessonRendering {
      // A lesson that teaches exercise N: its hints and solutions are what `hint N` and `solution N` show.
      let exercise = document.exercise.flatMap(Course.number(ofFolder:))
      let options = LessonRenderer.Options(
        width: width, capabilities: terminal, reveal: reveal,
        hintCommand: exercise.map { NextStep.hint(exercise: $0, hint: 1).command() },
        solutionCommand: exercise.map { NextStep.solution(exercise: $0).command() }, revealCommand: revealCommand)
      return LessonRenderer(options: options).render(document)
    }
    let term = environment["TERM"] ?? ""
    if Terminal.standardOutputIsTerminal && Terminal.standardInputIsTerminal && !noPager && term != "dumb" {
      let pager = Pager(title: document.title ?? displayName) { width, reveal in
        render(width: self.width ?? width, reveal: reveal || self.reveal)
      }
      if pager.run(capabilities: terminal, term: term) { return }
    }
    let rendering = render(width: LayoutWidth.choose(width, fallback: 80), reveal: reveal)
    print(rendering.grid.text(for: terminal), terminator: "")
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
