import MemoryAnalysis
import Symbols

extension CheckResult {
  /// The innermost frame in one of the learner's files (else the innermost frame the learner wrote or
  /// called) of the stack that holds most of the measure
  /// (the workload's peak, leaks, allocations or temporary allocations), as a label
  /// (`fibonacci(count:) (Fibonacci.swift:19)`); nil when the workload did not run or held nothing.
  ///
  /// - Parameter symbolizer: names the frames (one stack's worth).
  public func topFrame(symbolizer: Symbolizer) -> String? {
    guard let run, let profile = run.profile, let workload = run.workload else { return nil }
    let totals = workload.totals(of: exercise.manifest.limit.measure)
    let byCount = exercise.manifest.limit.measure == .allocations || exercise.manifest.limit.measure == .temporary
    guard let top = totals.max(by: { byCount ? $0.count < $1.count : $0.bytes < $1.bytes }), top.bytes > 0 else {
      return nil
    }
    let labels = CaptureReport.frameLabels(ofStack: top.stack, in: profile.frames, symbolizer: symbolizer)
    let files = exercise.manifest.files.map { "(" + ($0.split(separator: "/").last.map(String.init) ?? $0) + ":" }
    return labels.first { label in files.contains { label.contains($0) } } ?? labels.first
  }
}
