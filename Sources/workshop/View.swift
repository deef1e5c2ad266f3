import ArgumentParser
import Foundation
import MemoryAnalysis
import ProfileUI
import Rendering
import TerminalUI
import WorkshopKit

/// `workshop view`: the explorer of a finished capture on one screen.
struct View: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "view",
    abstract: "Explore a capture: its chart, and icicles of the peak, the leaks, or any time you choose.",
    discussion: """
      The chart shows the heap and the resident size over the run, with the markers the program \
      wrote as labelled bands. The icicle below it starts at the peak: p peak, l leaks, t temporary \
      allocations; / searches (matching frames are lit, their share shown); c chooses a time on the \
      chart (arrows move, space starts a range, Enter shows what was alive then, or what was \
      allocated in the range and not freed); arrows move in the icicle, Enter zooms, q leaves.
      """
  )

  @Argument(help: "The capture file.")
  var file: String

  func run() throws {
    let environment = ProcessInfo.processInfo.environment
    let term = environment["TERM"] ?? ""
    if let problem = Terminal.fullScreenProblem(term: term) {
      say("\(ProfileUIError(problem, command: "workshop view"))")
      throw ExitCode(2)
    }
    let trees = try CaptureTrees(path: file)
    let program = trees.report.programName
    let duration = trees.report.profile.totals.durationMilliseconds
    let heading = "workshop view \(file) · \(program) · ran \(ByteCountText.duration(milliseconds: duration))"
    let app = ProfileApp(capabilities: Terminal.standardOutput(environment: environment), term: term)
    let ending = try app.view(trees, heading: heading)
    for warning in trees.report.warnings { say(warning) }
    if case .signal(let number) = ending { throw ExitCode(128 + number) }
  }
}
