import MemoryAnalysis
// `workshop check` as text: the verdict first, in pytest-memray's words, then what explains it.

import TextWidth

/// Renders the report of one exercise check (no I/O).
public enum CheckReportText {
  /// What an exercise limits (the manifest's `limit.measure`).
  public enum Measure: String, Sendable, CaseIterable {
    /// Bytes allocated in the workload and alive at once.
    case peak
    /// Bytes allocated in the workload and still alive at the end.
    case leaks
    /// Allocations the workload made.
    case allocations
    /// Temporary allocations the workload made.
    case temporary

    /// The measure's name: `peak`, `leaks`, `allocations`, `temporary allocations`.
    public var name: String {
      switch self {
      case .peak: return "peak"
      case .leaks: return "leaks"
      case .allocations: return "allocations"
      case .temporary: return "temporary allocations"
      }
    }
  }

  /// How the check ended.
  public enum Verdict: Sendable, Equatable {
    /// Within the limit, cases passing.
    case passed
    /// Over the limit, cases passing.
    case overLimit
    /// Some correctness cases failed.
    case casesFailed
    /// The compiler refused the program; its diagnostics.
    case compileFailed(diagnostics: String)
    /// A signal ended the program.
    case crashed(signalName: String, signal: Int32)
    /// The program exited with this status.
    case exited(status: Int32)
    /// Stopped at the time bound: when, and the bound.
    case stoppedAtTimeBound(seconds: Double, bound: Double)
    /// Stopped at the memory bound: its resident size, and the bound.
    case stoppedAtMemoryBound(residentBytes: UInt64, bound: UInt64)
    /// The tracker lost events (the disk holding `fullDisk` is full, when it is).
    case captureIncomplete(lostEvents: UInt64, fullDisk: String?)
    /// It never ran its workload to the end marker.
    case workloadMissing
    /// The check was cancelled while the program ran.
    case cancelled
  }

  /// A failed correctness case.
  public struct FailedCase: Sendable, Equatable {
    /// Its name.
    public var name: String
    /// What was expected, as text.
    public var expected: String
    /// What came out, as text.
    public var actual: String

    /// A case as given.
    public init(name: String, expected: String, actual: String) {
      self.name = name
      self.expected = expected
      self.actual = actual
    }
  }

  /// The memory-over-time chart of a report, as data: the renderer draws it.
  public struct Chart: Sendable, Equatable {
    /// The samples, from the workload's start (or the run's).
    public var points: [MemoryChart.Point]
    /// The limit drawn across the chart, when the measure is a peak.
    public var limit: UInt64?
    /// The time the chart spans, in milliseconds.
    public var durationMilliseconds: Double
    /// What it shows.
    public var title: String

    /// A chart as given.
    public init(points: [MemoryChart.Point], limit: UInt64?, durationMilliseconds: Double, title: String) {
      self.points = points
      self.limit = limit
      self.durationMilliseconds = durationMilliseconds
      self.title = title
    }
  }

  /// The icicle of a report, as data: the allocation tree and how to weigh it.
  public struct IcicleData: Sendable {
    /// The tree (already weighed by count when ``weight`` is allocations).
    public var tree: AllocationTree
    /// The same with every frame (the runtime's, the allocator's), when it was built.
    public var nativeTree: AllocationTree?
    /// The legend's title.
    public var title: String
    /// Bytes or allocations.
    public var weight: IcicleWeight

    /// An icicle as given.
    public init(tree: AllocationTree, nativeTree: AllocationTree? = nil, title: String, weight: IcicleWeight) {
      self.tree = tree
      self.nativeTree = nativeTree
      self.title = title
      self.weight = weight
    }
  }

  /// Everything the report shows, as data; ``render(_:width:capabilities:)`` lays it out.
  public struct Report: Sendable {
    /// `exercise_1`.
    public var exercise: String
    /// The manifest's title.
    public var title: String
    /// How it ended.
    public var verdict: Verdict
    /// What is limited.
    public var measure: Measure
    /// The limit.
    public var limit: UInt64
    /// The learner's measure, when the workload ran to its end.
    public var measured: UInt64?
    /// The reference solution's measure, when known.
    public var solutionMeasured: UInt64?
    /// How many correctness cases ran.
    public var casesRun: Int
    /// The ones that failed.
    public var failedCases: [FailedCase]
    /// The top stacks of the workload at its peak (or of its leaks), named, largest first.
    public var topStacks: [StatsText.StackEntry]
    /// What the top stacks are of: `at the workload's peak`, `leaked by the workload`.
    public var stacksTitle: String
    /// The memory-over-time chart.
    public var chart: Chart?
    /// The icicle of the peak, the leaks or the allocations.
    public var icicle: IcicleData?
    /// The end of what the program printed, worth showing when it crashed or was stopped.
    public var output: String?
    /// The capture, relative to the course folder.
    public var capturePath: String?

    /// A report; only the verdict and the limit are required.
    public init(
      exercise: String, title: String, verdict: Verdict, measure: Measure, limit: UInt64, measured: UInt64? = nil,
      solutionMeasured: UInt64? = nil, casesRun: Int = 0, failedCases: [FailedCase] = [],
      topStacks: [StatsText.StackEntry] = [], stacksTitle: String = "at the workload's peak", chart: Chart? = nil,
      icicle: IcicleData? = nil, output: String? = nil, capturePath: String? = nil
    ) {
      self.exercise = exercise
      self.title = title
      self.verdict = verdict
      self.measure = measure
      self.limit = limit
      self.measured = measured
      self.solutionMeasured = solutionMeasured
      self.casesRun = casesRun
      self.failedCases = failedCases
      self.topStacks = topStacks
      self.stacksTitle = stacksTitle
      self.chart = chart
      self.icicle = icicle
      self.output = output
      self.capturePath = capturePath
    }
  }

  /// A measure's value as text: bytes for `peak` and `leaks`, a grouped count otherwise.
  public static func value(_ value: UInt64, of measure: Measure) -> String {
    switch measure {
    case .peak, .leaks: return ByteCountText.describe(value)
    case .allocations: return ByteCountText.counted(value, "allocation")
    case .temporary: return ByteCountText.counted(value, "temporary allocation")
    }
  }

  /// pytest-memray's sentence, in the words of each measure: "limited to 100.0 KiB but peaked at
  /// 812.4 KiB", "… of leaked memory but leaked …", "… but made 46,273".
  public static func overLimitSentence(_ measure: Measure, limit: UInt64, measured: UInt64) -> String {
    switch measure {
    case .peak:
      return "limited to \(ByteCountText.describe(limit)) but peaked at \(ByteCountText.describe(measured))"
    case .leaks:
      return
        "limited to \(ByteCountText.describe(limit)) of leaked memory but leaked \(ByteCountText.describe(measured))"
    case .allocations:
      return "limited to \(value(limit, of: .allocations)) but made \(ByteCountText.grouped(measured))"
    case .temporary:
      return "limited to \(value(limit, of: .temporary)) but made \(ByteCountText.grouped(measured))"
    }
  }

  /// "peak 40 B, within the limit of 64.0 KiB", and its analogues.
  public static func withinLimitSentence(_ measure: Measure, limit: UInt64, measured: UInt64) -> String {
    let within = "within the limit of \(value(limit, of: measure))"
    switch measure {
    case .peak: return "peak \(ByteCountText.describe(measured)), \(within)"
    case .leaks: return "leaked \(ByteCountText.describe(measured)), \(within)"
    case .allocations, .temporary: return "\(value(measured, of: measure)), \(within)"
    }
  }

  /// Lines of frames shown per stack unless every frame is asked for.
  public static let frameLinesPerStack = 6

  /// The report laid out for `width` columns: its facts a line each, then the chart and the icicle.
  ///
  /// - Parameters:
  ///   - screenHeight: the terminal's rows, when on one: the icicle is cut to what fits on a screen.
  ///   - allFrames: every frame of the top stacks, recursion unfolded; by default runs of one
  ///     function are folded into a line and a stack shows at most ``frameLinesPerStack`` lines.
  public static func render(
    _ report: Report, width: Int, capabilities: TerminalCapabilities, screenHeight: Int? = nil,
    allFrames: Bool = false
  ) -> CellGrid {
    var parts = [CellGrid(lines: facts(report, allFrames: allFrames, width: width))]
    if let chart = report.chart {
      let options = MemoryChart.Options(
        limit: chart.limit, durationMilliseconds: chart.durationMilliseconds, capabilities: capabilities)
      parts += [
        CellGrid(lines: ["", chart.title]),
        MemoryChart.render(chart.points, width: min(width, 72), height: 8, options: options),
      ]
    }
    if let icicle = report.icicle {
      var options = IcicleOptions(title: icicle.title, capabilities: capabilities)
      options.weight = icicle.weight
      // The legend and a row for each level: at most a screen.
      if let screenHeight { options.maxDepth = max(3, screenHeight - 4) }
      parts += [CellGrid(lines: [""]), Icicle.render(icicle.tree, width: width, options: options)]
    }
    return CellGrid(stacking: parts)
  }

  /// The verdict alone: the report's first lines, up to its first blank line, wrapped at words
  /// to `width` when given.
  public static func verdictLines(_ report: Report, width: Int? = nil) -> [String] {
    Array(facts(report, width: width).prefix { !$0.isEmpty })
  }

  /// The report's facts, one a line: the verdict, the cases, the measures, the program's last
  /// words, the top stacks. With a `width`, lines are wrapped at words (``ReportLineWrap``), except
  /// what the compiler and the program printed, which is kept verbatim.
  static func facts(_ report: Report, allFrames: Bool = false, width: Int? = nil) -> [String] {
    var lines: [String] = []
    var verbatim = Set<Int>()
    let name = report.exercise
    switch report.verdict {
    case .passed:
      lines.append(
        "PASSED \(name): \(report.title): "
          + withinLimitSentence(report.measure, limit: report.limit, measured: report.measured ?? 0))
    case .overLimit:
      lines.append("FAILED \(name): \(report.title)")
      lines.append(
        "the workload was "
          + overLimitSentence(report.measure, limit: report.limit, measured: report.measured ?? 0))
    case .casesFailed:
      lines.append("FAILED \(name): \(report.title)")
      let failed = report.failedCases.count
      lines.append(
        "\(failed) of \(report.casesRun) correctness case\(report.casesRun == 1 ? "" : "s") failed: "
          + "make it right before making it small")
    case .compileFailed(let diagnostics):
      lines.append("FAILED \(name): \(report.title)")
      lines.append("it does not compile; the compiler said:")
      lines.append("")
      verbatim.formUnion(lines.count..<(lines.count + trimmed(diagnostics).count))
      lines.append(contentsOf: trimmed(diagnostics).map { "  " + $0 })
    case .crashed(let signalName, let signal):
      lines.append("FAILED \(name): \(report.title)")
      lines.append("it crashed: the program was killed by \(signalName) (signal \(signal))")
    case .exited(let status):
      lines.append("FAILED \(name): \(report.title)")
      lines.append("the program exited with status \(status) before the check was done")
    case .stoppedAtTimeBound(let seconds, let bound):
      lines.append("FAILED \(name): \(report.title)")
      lines.append(
        "it was stopped after \(tenths(seconds)) s, past the time bound of \(tenths(bound)) s: "
          + "does a loop never end?")
    case .stoppedAtMemoryBound(let resident, let bound):
      lines.append("FAILED \(name): \(report.title)")
      lines.append(
        "it was stopped at \(ByteCountText.describe(resident)) resident, over the memory bound of "
          + "\(ByteCountText.describe(bound)): does something grow without end?")
    case .captureIncomplete(let lost, let folder):
      lines.append("FAILED \(name): \(report.title)")
      lines.append(
        "the capture is incomplete: "
          + (folder.map { "the disk holding \($0) is full" } ?? "the tracker could not write every event")
          + (lost > 0 ? " (\(ByteCountText.counted(lost, "event")) lost)" : "") + "; free some space and check again")
    case .workloadMissing:
      lines.append("FAILED \(name): \(report.title)")
      lines.append("the program ended without running its workload to the end (no workshop-workload-end marker)")
    case .cancelled:
      lines.append("STOPPED \(name): \(report.title)")
      lines.append("the check was cancelled while the program ran; nothing was recorded")
    }

    if !report.failedCases.isEmpty {
      lines.append("")
      for failed in report.failedCases {
        lines.append("  case \"\(failed.name)\"")
        lines.append("    expected \(failed.expected)")
        lines.append("    actual   \(failed.actual)")
      }
    } else if report.casesRun > 0 && report.verdict != .passed {
      lines.append("correctness: all \(report.casesRun) case\(report.casesRun == 1 ? "" : "s") passed")
    }

    if report.measured != nil || report.solutionMeasured != nil {
      lines.append("")
      let rows: [(String, String)] =
        [("limit", value(report.limit, of: report.measure))]
        + (report.measured.map { [("yours", value($0, of: report.measure))] } ?? [])
        + (report.solutionMeasured.map { [("reference solution", value($0, of: report.measure))] } ?? [])
      let labelWidth = rows.map(\.0.count).max() ?? 0
      let valueWidth = rows.map { DisplayWidth.of($0.1) }.max() ?? 0
      lines.append("the workload's \(report.measure.name):")
      for (label, text) in rows {
        lines.append(
          "  " + label + String(repeating: " ", count: labelWidth - label.count + 2)
            + String(repeating: " ", count: valueWidth - DisplayWidth.of(text)) + text)
      }
    }

    if let output = report.output, !output.isEmpty {
      lines.append("")
      lines.append("the program's last words:")
      verbatim.formUnion(lines.count..<(lines.count + lastWords(output).count))
      lines.append(contentsOf: lastWords(output).map { "  " + $0 })
    }

    if !report.topStacks.isEmpty {
      lines.append("")
      lines.append("top stacks \(report.stacksTitle)")
      // A count limit ranks stacks by how many allocations they made; the others by bytes. Shares
      // are of the whole measure, not of the stacks shown.
      let byCount = report.measure == .allocations || report.measure == .temporary
      let whole =
        report.measured ?? report.topStacks.reduce(0) { $0 + (byCount ? $1.count : $1.bytes) }
      for (rank, entry) in report.topStacks.enumerated() {
        let allocations = ByteCountText.counted(entry.count, "allocation")
        lines.append(
          byCount
            ? "  \(rank + 1). \(allocations) (\(ByteCountText.percent(entry.count, of: whole))), "
              + "\(ByteCountText.describe(entry.bytes)) in all"
            : "  \(rank + 1). \(ByteCountText.describe(entry.bytes)) in \(allocations) "
              + "(\(ByteCountText.percent(entry.bytes, of: whole)))")
        lines.append(
          contentsOf: allFrames
            ? entry.frameLines : entry.frameLines(foldingRecursion: true, limit: frameLinesPerStack))
      }
    }

    guard let width else { return lines }
    return lines.indices.flatMap { verbatim.contains($0) ? [lines[$0]] : ReportLineWrap.wrap(lines[$0], width: width) }
  }

  /// At most 24 lines of what a program printed: from its first `Fatal error` (the Swift runtime's
  /// message and the crashed thread's backtrace) when there is one, else its last lines; blank lines
  /// and the backtracer's platform line left out.
  static func lastWords(_ output: String) -> [String] {
    let lines = trimmed(output).filter {
      !$0.trimmingWhitespace().isEmpty && !$0.hasPrefix("Platform: ") && !$0.hasPrefix("Backtrace took")
    }
    if let fatal = lines.firstIndex(where: { $0.contains("Fatal error") || $0.contains("fatal error") }) {
      return Array(lines[fatal...].prefix(24))
    }
    return Array(lines.suffix(24))
  }

  private static func trimmed(_ text: String) -> [String] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    while lines.last?.trimmingWhitespace().isEmpty == true { lines.removeLast() }
    while lines.first?.trimmingWhitespace().isEmpty == true { lines.removeFirst() }
    return lines
  }

  private static func tenths(_ seconds: Double) -> String {
    let tenths = Int((seconds * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}

extension String {
  fileprivate func trimmingWhitespace() -> Substring {
    var slice = self[...]
    while slice.first?.isWhitespace == true { slice.removeFirst() }
    while slice.last?.isWhitespace == true { slice.removeLast() }
    return slice
  }
}
