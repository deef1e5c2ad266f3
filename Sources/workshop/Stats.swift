import ArgumentParser
import Foundation
import MemoryAnalysis
import Rendering
import WorkshopKit

/// `workshop stats`: the figures of a capture.
struct Stats: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the totals, the peak, the leaks, allocation sizes and the top stacks of a capture."
  )

  @Argument(help: "The capture file.")
  var file: String

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  @Option(help: "How many stacks to show under the peak.")
  var topStacks: Int = 5

  @Flag(help: "Show every frame of the top stacks: the allocator, the runtime, library internals.")
  var native = false

  func validate() throws {
    if topStacks < 0 { throw ValidationError("--top-stacks \(topStacks) is negative: give 0 or more") }
  }

  func run() throws {
    if json {
      // The headline figures only: no symbols needed, so no symbolizer is started.
      let profile = try MemoryProfile(contentsOf: file)
      if let problem = profile.readProblem { FileHandle.standardError.write(Data("workshop: \(problem)\n".utf8)) }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      print(String(decoding: try encoder.encode(profile.summary), as: UTF8.self))
      return
    }
    let report = try CaptureReport(path: file)
    for warning in report.warnings { FileHandle.standardError.write(Data("workshop: \(warning)\n".utf8)) }
    let stacks = report.profile.peak.aliveByStack.prefix(topStacks).map { total in
      StatsText.StackEntry(
        bytes: total.bytes, count: total.count, frames: report.frameLabels(ofStack: total.stack, native: native))
    }
    let terminal = TerminalProbe.standardOutput()
    print(
      StatsText.render(report.profile, capturePath: file, topStacks: stacks, unicode: terminal.unicode),
      terminator: "")
  }
}
