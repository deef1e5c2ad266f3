import Foundation
import MemoryAnalysis
import ProcessLaunch
import Rendering

/// How much of a check's memory a report names: the top stacks and their frames.
public struct CheckPresentation: Sendable {
  /// How many stacks are listed.
  public var topStacks: Int
  /// How many frames of each stack are named (the report folds recursion and shows fewer lines,
  /// ``CheckReportText/render(_:width:capabilities:screenHeight:allFrames:)``).
  public var framesPerStack: Int

  /// A presentation; by default 3 stacks of at most 512 frames.
  public init(topStacks: Int = 3, framesPerStack: Int = 512) {
    self.topStacks = topStacks
    self.framesPerStack = framesPerStack
  }
}

extension CheckResult {
  /// The report of this check, its stacks named, its chart and icicle as data; and the problems met while
  /// naming frames (no symbolizer), one sentence each.
  ///
  /// - Parameter capture: the capture's path as the learner should type it (relative to the course).
  public func report(capture: String?, presentation: CheckPresentation = CheckPresentation()) -> (
    report: CheckReportText.Report, warnings: [String]
  ) {
    let manifest = exercise.manifest
    let measure = CheckReportText.Measure(rawValue: manifest.limit.measure.rawValue) ?? .peak
    var report = CheckReportText.Report(
      exercise: exercise.name, title: manifest.title, verdict: .passed, measure: measure, limit: manifest.limit.value,
      measured: measured, solutionMeasured: solutionMeasured, casesRun: run?.cases.count ?? 0,
      failedCases: failedCases.map {
        CheckReportText.FailedCase(name: $0.name, expected: $0.expected, actual: $0.actual)
      },
      capturePath: capture)
    var warnings: [String] = []
    var showMemory = false
    switch verdict {
    case .passed:
      report.verdict = .passed
    case .overLimit:
      report.verdict = .overLimit
      showMemory = true
    case .casesFailed:
      report.verdict = .casesFailed
    case .compileFailed:
      report.verdict = .compileFailed(diagnostics: diagnostics ?? "")
    case .crashed(let signal):
      report.verdict = .crashed(signalName: ExitStatus.signalName(signal), signal: signal)
      report.output = run?.output
    case .exited(let status):
      report.verdict = .exited(status: status)
      report.output = run?.output
    case .stoppedAtTimeBound(let seconds):
      report.verdict = .stoppedAtTimeBound(seconds: seconds, bound: manifest.timeLimitSeconds)
      report.output = run?.output
      showMemory = true
    case .stoppedAtMemoryBound(let bytes):
      report.verdict = .stoppedAtMemoryBound(residentBytes: bytes, bound: manifest.memoryBoundBytes)
      report.output = run?.output
      showMemory = true
    case .captureIncomplete(let lost, let folder):
      report.verdict = .captureIncomplete(lostEvents: lost, fullDisk: folder)
    case .workloadMissing:
      report.verdict = .workloadMissing
      report.output = run?.output
    case .cancelled:
      report.verdict = .cancelled
    }
    if let problem = run?.captureProblem, verdict != .passed { warnings.append(problem) }
    if showMemory, let run, let capture = run.profile != nil ? run.capturePath : nil {
      warnings += addMemory(to: &report, run: run, capturePath: capture, presentation: presentation)
    }
    return (report, warnings)
  }

  /// Names the top stacks and draws the chart and the icicle of the workload (or, when the workload
  /// never started, of the whole run).
  private func addMemory(
    to report: inout CheckReportText.Report, run: ExerciseRun, capturePath: String, presentation: CheckPresentation
  ) -> [String] {
    let captureReport: CaptureReport
    do {
      captureReport = try CaptureReport(path: capturePath, regions: [ExerciseRunner.workloadRegion])
    } catch {
      return ["\(error)"]
    }
    let profile = captureReport.profile
    let region = profile.region(ExerciseRunner.workloadRegion).flatMap { $0.started ? $0 : nil }
    let measure = exercise.manifest.limit.measure
    let leaks = measure == .leaks && verdict == .overLimit
    // Count limits are about how often the workload allocated: rank and draw by count.
    let byCount = region != nil && (measure == .allocations || measure == .temporary)
    let totals: [StackTotal]
    let title: String
    let icicleTitle: String
    if let region {
      switch measure {
      case .allocations:
        (totals, title, icicleTitle) = (
          region.allocatedByStack, "that made the workload's allocations", "allocations of the workload"
        )
      case .temporary:
        (totals, title, icicleTitle) = (
          region.temporaryByStack, "that made the workload's temporary allocations",
          "temporary allocations of the workload"
        )
      case .leaks where leaks:
        (totals, title, icicleTitle) = (region.leaks, "leaked by the workload", "leaked by the workload")
      default:
        (totals, title, icicleTitle) = (region.aliveAtPeak, "at the workload's peak", "peak of the workload")
      }
    } else {
      (totals, title, icicleTitle) = (
        profile.peak.aliveByStack, "at the peak (the workload never started)", "peak memory"
      )
    }
    report.stacksTitle = title
    let ranked = byCount ? totals.sorted { $0.count > $1.count } : totals.sorted { $0.bytes > $1.bytes }
    // Every stack the report names (its top stacks and both icicles), in one symbolizer batch.
    captureReport.resolveFrames(ofStacks: totals.map(\.stack))
    report.topStacks = ranked.prefix(presentation.topStacks).map { total in
      StatsText.StackEntry(
        bytes: total.bytes, count: total.count,
        frames: Self.withoutHarness(captureReport.frameLabels(ofStack: total.stack).prefix(presentation.framesPerStack))
      )
    }
    report.chart = chart(profile: profile, region: region)
    do {
      // The frames the learner wrote or called, and every frame (the explorer's `N`).
      let trees = try [FrameFilter(), nil].map { filter in
        let tree = try AllocationTree.build(
          stacks: CaptureStacks(frames: profile.frames),
          samples: totals.map { StackSample(stack: Int($0.stack), bytes: $0.bytes, count: $0.count) },
          symbolizer: captureReport.symbolizer, filter: filter, rootLabel: exercise.name)
        return byCount ? tree.weightedByCount() : tree
      }
      report.icicle = CheckReportText.IcicleData(
        tree: trees[0], nativeTree: trees[1], title: icicleTitle, weight: byCount ? .allocations : .bytes)
    } catch {
      return captureReport.warnings + ["\(error)"]
    }
    return captureReport.warnings
  }

  /// A stack's frames down to the workload's closure: the check's harness below it
  /// (`measureWorkload`, `main`, in Exercises/Support/CheckSupport.swift) is the same for every
  /// stack and tells the learner nothing.
  static func withoutHarness(_ frames: ArraySlice<String>) -> [String] {
    guard let harness = frames.dropFirst().firstIndex(where: { $0.contains("(CheckSupport.swift") }) else {
      return Array(frames)
    }
    return Array(frames[..<harness])
  }

  /// The heap the workload added over time (or the whole heap and the resident size, when the
  /// program was stopped at the memory bound or the workload never started).
  private func chart(profile: MemoryProfile, region: RegionPeak?) -> CheckReportText.Chart? {
    let start = region?.startMicroseconds ?? 0
    let end = region?.endMicroseconds ?? profile.totals.durationMicroseconds
    let base = region?.startHeapBytes ?? 0
    let resident: Bool
    if case .stoppedAtMemoryBound = verdict { resident = true } else { resident = region == nil }
    var points = profile.timeline.filter { $0.microseconds >= start && $0.microseconds <= end }.map { point in
      MemoryChart.Point(
        milliseconds: Double(point.microseconds - start) / 1000,
        heapBytes: point.maxHeapBytes > base ? point.maxHeapBytes - base : 0,
        residentBytes: resident ? point.residentBytes : nil)
    }
    if let region, region.started {
      // The ticks can miss the exact peak (it may fall after the last tick inside the region): the
      // chart's scale and its marked peak come from the region's exact peak, at its tick.
      let peak = MemoryChart.Point(
        milliseconds: Double(region.peakMicroseconds - min(region.peakMicroseconds, start)) / 1000,
        heapBytes: region.peakGrowthBytes)
      points.insert(peak, at: points.firstIndex { $0.milliseconds > peak.milliseconds } ?? points.endIndex)
    }
    // The tracker samples the heap every 10 ms: a shorter workload has too few samples for a chart.
    guard points.count >= 2 else { return nil }
    let limit =
      exercise.manifest.limit.measure == .peak && region != nil ? exercise.manifest.limit.value : nil
    let title =
      resident
      ? "memory over time: the heap (filled) and the resident size (dots)"
      : "memory over time: the heap the workload allocated"
    return CheckReportText.Chart(
      points: points, limit: limit, durationMilliseconds: Double(end - start) / 1000, title: title)
  }
}
