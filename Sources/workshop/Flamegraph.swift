import ArgumentParser
import Foundation
import Rendering
import TerminalUI
import WorkshopKit
import MemoryAnalysis
import MemoryTrace

/// `workshop flamegraph`: the allocation tree of a capture as an icicle graph or folded stacks.
struct Flamegraph: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flamegraph",
    abstract: "Show where the memory went, as an icicle graph, folded stacks or an HTML page.",
    discussion: """
      By default the tree is what was alive at the peak. Frames that only explain how memory was \
      allocated (the allocator, the Swift runtime, library internals) are hidden and their bytes \
      given to the nearest frame you wrote or called; --native shows every frame. Folded stacks \
      (frame;frame;frame bytes) feed flamegraph.pl, inferno and speedscope. --format html writes one \
      self-contained page for sharing (no network): the command line, the totals and the date, the heap \
      over time with its peak, and the icicle with zoom and search (#search=TERM in its address lights \
      the frames that match).
      """
  )

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case icicle, folded, html
  }

  @Argument(help: "The capture file.")
  var file: String

  @Flag(help: "Show what was still alive at exit.")
  var leaks = false

  @Flag(help: "Show the temporary allocations (freed before their thread allocated again).")
  var temporaryAllocations = false

  @Flag(help: "Show every frame: the allocator, the runtime, library internals.")
  var native = false

  @Flag(help: "Turn the stacks upside down: the allocating frames on top, their callers below.")
  var inverted = false

  @Option(help: "Columns (default: the terminal's, else 100).")
  var width: Int?

  @Option(help: "Levels of frames shown below the program (default: all).")
  var depth: Int?

  @Option(help: "icicle, folded or html.")
  var format: Format = .icicle

  @Option(name: [.customShort("o"), .long], help: "Write to this file instead of standard output.")
  var output: String?

  @Option(help: "Colour the icicle by module or by share of the total.")
  var colour: IcicleColouring = .module

  func validate() throws {
    if leaks && temporaryAllocations {
      throw ValidationError("choose one of --leaks and --temporary-allocations, not both")
    }
    try LayoutWidth.validate(width, minimum: 20)
    if let depth, depth < 1 { throw ValidationError("--depth \(depth) shows nothing: give at least 1") }
  }

  func run() throws {
    ReportMemory.keepFreedPages()
    let selection: ReportSelection = leaks ? .leaks : temporaryAllocations ? .temporary : .peak
    let report = try CaptureReport(path: file, detail: selection.detail)
    for warning in report.warnings { say(warning) }
    // A file gets plain text; the terminal gets its colours.
    let terminal = output == nil ? Terminal.standardOutput() : .plain
    let options = IcicleOptions(
      title: selection.title, totalAllocatedBytes: report.profile.totals.bytesAllocated, maxDepth: depth,
      colouring: colour, capabilities: terminal)
    let columns = LayoutWidth.choose(width, terminal: terminal.width, fallback: 100)
    // The icicle reads only the nodes wide enough to draw: the tree is built that far and no further.
    let bounds =
      format == .icicle
      ? AllocationTree.IcicleBounds(width: columns, minimumWidth: options.minimumWidth, maxDepth: depth) : nil
    let tree = try report.tree(selection, native: native, inverted: inverted, drawnWithin: bounds)
    switch format {
    case .folded:
      try emit(FoldedStacks.render(tree))
    case .icicle:
      let grid = Icicle.render(tree, width: columns, options: options)
      try emit(grid.text(for: terminal))
    case .html:
      let profile = report.profile
      let page = HTMLFlamegraph.Page(
        title: selection.title, commandLine: profile.command?.arguments ?? [],
        recordedAtSeconds: profile.header.map { $0.startRealtimeNanoseconds / 1_000_000_000 },
        summary: profile.summary, timeline: profile.timeline, markers: profile.markers, tree: tree, maxDepth: depth,
        colouring: colour)
      try emit(HTMLFlamegraph.render(page))
    }
    withExtendedLifetime((report, tree)) { endAfterReport() }
  }

  /// Prints `text`, or writes it to `--output`.
  private func emit(_ text: String) throws {
    guard let output else { return print(text, terminator: "") }
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    } catch {
      // The system's reason ("Is a directory") says more than Foundation's wrapper around it.
      let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? POSIXError
      throw WorkshopError.writeFailed(
        path: output,
        reason: underlying.map { String(cString: strerror($0.code.rawValue)) }
          ?? (error as NSError).localizedDescription)
    }
  }
}

extension IcicleColouring: ExpressibleByArgument {}
