import Foundation
import MemoryAnalysis
import ProcessLaunch

/// How a check of an exercise ended, the most telling reason first.
public enum CheckVerdict: Sendable, Equatable {
  /// The cases passed and the workload kept within the limit.
  case passed
  /// The cases passed but the workload went over the limit.
  case overLimit
  /// At least one correctness case failed.
  case casesFailed
  /// The program did not compile.
  case compileFailed
  /// A signal ended the program.
  case crashed(signal: Int32)
  /// The program exited with a status other than 0.
  case exited(status: Int32)
  /// It ran past the manifest's time bound and was stopped.
  case stoppedAtTimeBound(seconds: Double)
  /// Its resident size went over the manifest's memory bound and it was stopped.
  case stoppedAtMemoryBound(residentBytes: UInt64)
  /// The tracker could not write every event (usually a full disk): the measure would be wrong.
  /// `lostEvents` is 0 when not even the LOST record could be written.
  /// `fullDisk` is the folder holding the capture when its disk is full.
  case captureIncomplete(lostEvents: UInt64, fullDisk: String?)
  /// It ended normally without running its workload between the markers.
  case workloadMissing
  /// The check was cancelled while the program ran (``LiveRun/cancel()``).
  case cancelled

  /// Whether the check passed.
  public var passed: Bool { self == .passed }
}

/// Everything one check found out about one build of an exercise.
public struct CheckResult: Sendable {
  /// The exercise.
  public var exercise: Exercise
  /// Which files were checked.
  public var variant: ExerciseVariant
  /// The verdict.
  public var verdict: CheckVerdict
  /// The compiler's diagnostics when it failed.
  public var diagnostics: String?
  /// Whether the program came from the build cache.
  public var buildCached: Bool
  /// The run, when the program was built.
  public var run: ExerciseRun?
  /// The workload's measure of the limited kind, when it ran to its end.
  public var measured: UInt64?
  /// The reference solution's measure of the same kind, when it was measured.
  public var solutionMeasured: UInt64?

  /// The failed correctness cases.
  public var failedCases: [CaseResult] { run?.cases.filter { !$0.passed } ?? [] }

  /// Decides the verdict of a run of `exercise`.
  public static func verdict(of run: ExerciseRun, exercise: Exercise) -> CheckVerdict {
    switch run.outcome.boundReached {
    case .time(let seconds): return .stoppedAtTimeBound(seconds: seconds)
    case .memory(let bytes): return .stoppedAtMemoryBound(residentBytes: bytes)
    case .cancelled: return .cancelled
    case nil: break
    }
    if case .signaled(let signal) = run.outcome.status { return .crashed(signal: signal) }
    if run.cases.contains(where: { !$0.passed }) { return .casesFailed }
    if case .exited(let status) = run.outcome.status, status != 0 { return .exited(status: status) }
    // Events lost (a LOST record), or no END from a program that exited normally: the disk refused
    // the end of the capture, LOST record included when it stayed full.
    if let profile = run.profile, profile.totals.lostEvents > 0 || !profile.sawEnd {
      return .captureIncomplete(
        lostEvents: profile.totals.lostEvents, fullDisk: IncompleteCapture.fullDisk(holding: run.capturePath))
    }
    guard run.workloadFinished, let measured = run.measured(exercise.manifest.limit.measure) else {
      return .workloadMissing
    }
    return measured > exercise.manifest.limit.value ? .overLimit : .passed
  }
}

/// Checks exercises: builds (cached), runs under the tracker within bounds, and judges.
public struct ExerciseChecker: Sendable {
  /// Builds the programs.
  public var builder: ExerciseBuilder
  /// Runs them.
  public var runner: ExerciseRunner

  /// A checker from its parts.
  public init(builder: ExerciseBuilder, runner: ExerciseRunner) {
    self.builder = builder
    self.runner = runner
  }

  /// Checks `variant` of `exercise`, leaving the capture at `capturePath`.
  ///
  /// - Parameter progress: told, in order, ``CheckEvent/compiling(_:)`` (not when the build is
  ///   cached) and ``CheckEvent/running(_:_:)`` with the live run; the caller reports the result.
  public func check(
    _ exercise: Exercise, variant: ExerciseVariant = .learner, capturePath: String,
    progress: (CheckEvent) -> Void = { _ in }
  ) throws -> CheckResult {
    switch try builder.build(exercise, variant: variant, compiling: { progress(.compiling(variant)) }) {
    case .failed(let diagnostics):
      return CheckResult(
        exercise: exercise, variant: variant, verdict: .compileFailed, diagnostics: diagnostics, buildCached: false)
    case .built(let executable, _, let cached):
      let run = try runner.run(executable, exercise: exercise, capturePath: capturePath) { live in
        progress(.running(variant, live))
      }
      let verdict = CheckResult.verdict(of: run, exercise: exercise)
      let measured = run.workloadFinished ? run.measured(exercise.manifest.limit.measure) : nil
      return CheckResult(
        exercise: exercise, variant: variant, verdict: verdict, buildCached: cached, run: run, measured: measured)
    }
  }

  /// The reference solution's measure of the limited kind: built and run once per solution build
  /// (the figure is kept beside the cached program), nil when the solution does not run to its end.
  ///
  /// - Parameter progress: told ``CheckEvent/compiling(_:)`` and ``CheckEvent/running(_:_:)`` with
  ///   ``ExerciseVariant/solution`` when the solution is built or run (not when its measure is cached).
  public func solutionMeasure(of exercise: Exercise, progress: (CheckEvent) -> Void = { _ in }) throws -> UInt64? {
    guard
      case .built(let executable, _, _) = try builder.build(
        exercise, variant: .solution, compiling: { progress(.compiling(.solution)) })
    else { return nil }
    let folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
    let stored = folder.appendingPathComponent("measures.json")
    let kept = folder.appendingPathComponent(ExerciseBuilder.solutionCaptureName)
    let measure = exercise.manifest.limit.measure
    // The capture is kept too, for the learner's run beside the solution's: a cache from before it
    // was kept is measured again, once.
    if FileManager.default.fileExists(atPath: kept.path), let data = FileManager.default.contents(atPath: stored.path),
      let measures = try? JSONDecoder().decode([String: UInt64].self, from: data)
    {
      return measures[measure.rawValue]
    }
    let capture = folder.appendingPathComponent("capture-\(getpid()).bin").path
    defer { try? FileManager.default.removeItem(atPath: capture) }
    let run = try runner.run(executable, exercise: exercise, capturePath: capture) { live in
      progress(.running(.solution, live))
    }
    let verdict = CheckResult.verdict(of: run, exercise: exercise)
    guard verdict == .passed || verdict == .overLimit else { return nil }
    var measures: [String: UInt64] = [:]
    for kind in LimitMeasure.allCases { measures[kind.rawValue] = run.measured(kind) }
    rename(capture, kept.path)
    if let data = try? JSONEncoder().encode(measures) {
      let temporary = stored.path + ".\(getpid())"
      if FileManager.default.createFile(atPath: temporary, contents: data) { rename(temporary, stored.path) }
    }
    return measures[measure.rawValue]
  }
}

extension ExerciseBuilder {
  /// The name of the reference solution's capture, kept beside its cached program.
  public static let solutionCaptureName = "capture.bin"

  /// The capture of the reference solution's last measured run, when its build is cached and was
  /// measured (``ExerciseChecker/solutionMeasure(of:progress:)``); nil otherwise. Builds nothing.
  public func solutionCapture(of exercise: Exercise) -> String? {
    guard let executable = cachedProgram(of: exercise, variant: .solution) else { return nil }
    let path = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(
      Self.solutionCaptureName
    ).path
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }
}
