import ArgumentParser
import Foundation
import MemoryAnalysis
import Rendering
import TerminalUI
import WorkshopKit

/// `workshop summary`: a table by location of where the memory went.
struct Summary: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "summary",
    abstract: "Show a table of where the memory went, by function and line.",
    discussion: """
      Total is what was allocated at a location or by what it called; own is what it allocated \
      itself; both are of what was alive at the peak (or at exit with --leaks).
      """
  )

  @Argument(help: "The capture file.")
  var file: String

  @Flag(help: "Show what was still alive at exit.")
  var leaks = false

  @Flag(help: "Show every frame: the allocator, the runtime, library internals.")
  var native = false

  @Option(help: "Order rows by total, own or count.")
  var sort: LocationSummary.Order = .total

  @Option(help: "At most this many rows.")
  var maxRows: Int = 20

  func validate() throws {
    if maxRows < 1 { throw ValidationError("--max-rows \(maxRows) shows nothing: give at least 1") }
  }

  func run() throws {
    ReportMemory.keepFreedPages()
    let selection: ReportSelection = leaks ? .leaks : .peak
    let report = try CaptureReport(path: file, detail: selection.detail)
    for warning in report.warnings { say(warning) }
    let tree = try report.tree(selection, native: native)
    let terminal = Terminal.standardOutput()
    print(
      SummaryTable.render(
        LocationSummary(tree: tree), order: sort, maxRows: maxRows,
        width: terminal.width.map { min($0, LayoutWidth.maximum) }, unicode: terminal.unicode
      ).text(for: terminal), terminator: "")
    withExtendedLifetime((report, tree)) { endAfterReport() }
  }
}

extension LocationSummary.Order: ExpressibleByArgument {}
