import Foundation
import MemoryAnalysis
import Rendering
import Symbols

/// A check of the learner's files beside the reference solution's run: the solution's heap over
/// time (the live chart's faint curve) and the two trees of the limited measure as one difference
/// tree (the explorer's difference view).
public struct SolutionComparison: Sendable {
  /// The solution's whole run: its heap over time, from the start of the program.
  public var timeline: [MemoryChart.Point]
  /// The learner's tree of the limited measure beside the solution's, frames matched by function
  /// and file; nil when either workload did not run.
  public var difference: AllocationTreeDifference?
  /// What the difference's widths measure.
  public var weight: IcicleWeight
}

extension CourseSession {
  /// The reference solution's heap over time, from the capture its last measure left in the build
  /// cache; nil when the solution has not been built and measured for the files as they are.
  /// Builds and runs nothing.
  public func solutionTimeline(of exercise: Exercise) -> [MemoryChart.Point]? {
    guard let capture = solutionCapture(of: exercise), let profile = try? MemoryProfile(contentsOf: capture)
    else { return nil }
    return Self.points(profile.timeline)
  }

  /// The learner's check beside the solution's last measured run; nil when the check did not run
  /// its program or the solution has no capture yet.
  public func comparison(for result: CheckResult) -> SolutionComparison? {
    guard let capture = solutionCapture(of: result.exercise),
      let theirs = try? CaptureReport(path: capture, regions: [ExerciseRunner.workloadRegion])
    else { return nil }
    let measure = result.exercise.manifest.limit.measure
    let byCount = measure == .allocations || measure == .temporary
    var comparison = SolutionComparison(
      timeline: Self.points(theirs.profile.timeline), difference: nil, weight: byCount ? .allocations : .bytes)
    guard let mine = result.run?.profile, let myWorkload = result.run?.workload,
      let theirWorkload = theirs.profile.region(ExerciseRunner.workloadRegion), theirWorkload.started
    else { return comparison }
    func tree(_ profile: MemoryProfile, _ region: RegionPeak, _ symbolizer: Symbolizer) -> AllocationTree? {
      let totals = region.totals(of: measure)
      let tree = try? AllocationTree.build(
        stacks: CaptureStacks(frames: profile.frames),
        samples: totals.map { StackSample(stack: Int($0.stack), bytes: $0.bytes, count: $0.count) },
        symbolizer: symbolizer, filter: FrameFilter(), rootLabel: result.exercise.name)
      return (byCount ? tree?.weightedByCount() : tree)?.foldingRecursion()
    }
    if let myTree = tree(mine, myWorkload, theirs.symbolizer),
      let theirTree = tree(theirs.profile, theirWorkload, theirs.symbolizer)
    {
      comparison.difference = myTree.difference(from: theirTree)
    }
    return comparison
  }

  /// The capture of the solution's last measured run (``ExerciseBuilder/solutionCapture(of:)``).
  func solutionCapture(of exercise: Exercise) -> String? { builder.solutionCapture(of: exercise) }

  static func points(_ timeline: [TimelinePoint]) -> [MemoryChart.Point] {
    timeline.map { MemoryChart.Point(milliseconds: Double($0.microseconds) / 1000, heapBytes: $0.maxHeapBytes) }
  }
}

extension RegionPeak {
  /// What the limit counts, by stack: alive at the workload's peak, leaked, every allocation, or
  /// the temporary ones.
  public func totals(of measure: LimitMeasure) -> [StackTotal] {
    switch measure {
    case .peak: return aliveAtPeak
    case .leaks: return leaks
    case .allocations: return allocatedByStack
    case .temporary: return temporaryByStack
    }
  }
}
