import ArgumentParser
import Foundation
import MemoryAnalysis
import Rendering
import TerminalUI
import WorkshopKit

/// `workshop stats`: the figures of a capture.
struct Stats: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats",
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

  @Option(help: "Also measure the region that starts at this marker (see Sources/Tracker/include/workshop_tracker.h).")
  var fromMarker: String?

  @Option(help: "Where that region ends (default: the end of the run).")
  var toMarker: String?

  func validate() throws {
    if topStacks < 0 { throw ValidationError("--top-stacks \(topStacks) is negative: give 0 or more") }
    if toMarker != nil && fromMarker == nil {
      throw ValidationError("--to-marker needs --from-marker: name the marker where the region starts")
    }
  }

  func run() throws {
    ReportMemory.keepFreedPages()
    if json {
      // The headline figures only: no symbols needed, so no symbolizer is started.
      // Nothing per stack either: the JSON holds the headline figures alone (a region asks for more).
      let profile = try MemoryProfile(
        contentsOf: file, regions: regionRequest.map { [$0] } ?? [], detail: .headline)
      if let problem = profile.readProblem { say("\(problem)") }
      var summary = profile.summary
      if let request = regionRequest { summary.region = try regionSummary(profile, request) }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      print(String(decoding: try encoder.encode(summary), as: UTF8.self))
      withExtendedLifetime(profile) { endAfterReport() }
    }
    // The text prints the top stacks alive at the peak and no other list by stack.
    let report = try CaptureReport(
      path: file, regions: regionRequest.map { [$0] } ?? [], detail: .lists(.init(aliveAtPeak: topStacks)))
    for warning in report.warnings { say(warning) }
    let top = report.profile.peak.aliveByStack.prefix(topStacks)
    report.resolveFrames(ofStacks: top.map(\.stack))
    let stacks = top.map { total in
      StatsText.StackEntry(
        bytes: total.bytes, count: total.count, frames: report.frameLabels(ofStack: total.stack, native: native))
    }
    let terminal = Terminal.standardOutput()
    print(
      StatsText.render(
        report.profile, capturePath: file, topStacks: stacks, unicode: terminal.unicode, width: terminal.width
      ).text(for: terminal), terminator: "")
    if let request = regionRequest {
      print(StatsText.renderRegion(try regionSummary(report.profile, request)).text(for: terminal), terminator: "")
    }
    withExtendedLifetime(report) { endAfterReport() }
  }

  private var regionRequest: RegionRequest? {
    fromMarker.map { RegionRequest(from: $0, to: toMarker) }
  }

  private func regionSummary(_ profile: MemoryProfile, _ request: RegionRequest) throws -> RegionSummary {
    guard let region = profile.region(request), region.started else {
      throw WorkshopError.markerMissing(
        file: file, marker: request.startMarker, known: Set(profile.markers.map(\.name)).sorted())
    }
    return RegionSummary(region)
  }
}
