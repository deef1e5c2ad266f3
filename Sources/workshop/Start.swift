import ArgumentParser
import CourseUI
import Foundation
import TerminalUI
import WorkshopKit

/// `workshop start`: the whole course on one terminal screen.
struct Start: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "start",
    abstract: "Start the course: lessons, checks, hints and solutions on one screen.",
    discussion: """
      Opens at the first exercise not passed yet. c checks it (saving its file checks it too), h reveals \
      a hint, s shows the solution, l lists the exercises, ? lists every key, q leaves. Needs a terminal \
      of at least 80×24; without one, use workshop lesson, check and hint.
      """
  )

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    let term = environment["TERM"] ?? ""
    let problem = Terminal.fullScreenProblem(term: term)
    if problem == .notATerminal {
      say("\(CourseUIError.noTerminal)")
      throw ExitCode(2)
    }
    let session = try CourseSession.locate()
    if case .cannotDraw = problem {
      say("\(CourseUIError.screenUnavailable(term: term))")
      throw ExitCode(2)
    }
    let app = CourseApp(
      session: session, capabilities: Terminal.standardOutput(environment: environment), term: term,
      environment: environment)
    let status: Int32
    do {
      status = try app.run()
    } catch {
      say("\(error)")
      throw ExitCode(2)
    }
    // SIGTERM and SIGHUP end us as they were meant to, now that the terminal is restored.
    if status == 128 + SIGTERM || status == 128 + SIGHUP {
      signal(status - 128, SIG_DFL)
      raise(status - 128)
    }
    if status != 0 { throw ExitCode(status) }
  }
}
