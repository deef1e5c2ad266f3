import Foundation
import Rendering

/// One check of an exercise as the progress file keeps it: when, what it measured, its verdict and
/// the frame that held most of the measure, so that the next check can say what changed.
public struct Attempt: Codable, Sendable, Equatable {
  /// When the check ended, in seconds since 1970.
  public var time: Double
  /// The workload's measure of the limited kind, when it ran to its end.
  public var measured: UInt64?
  /// The limit it was judged against.
  public var limit: UInt64?
  /// The verdict, in a word: `passed`, `overLimit`, `casesFailed`, `compileFailed`, `crashed`,
  /// `exited`, `stoppedAtTimeBound`, `stoppedAtMemoryBound`, `captureIncomplete`, `workloadMissing`.
  public var verdict: String
  /// The innermost frame of the learner's that held most of the measure, as a label
  /// (`fibonacci(count:) (Fibonacci.swift:19)`), when one was found.
  public var topFrame: String?
  /// The learner's guess of the measure before the first check, when there was one.
  public var guess: UInt64?

  /// An attempt as given.
  public init(
    time: Double, measured: UInt64?, limit: UInt64? = nil, verdict: String, topFrame: String? = nil,
    guess: UInt64? = nil
  ) {
    self.time = time
    self.measured = measured
    self.limit = limit
    self.verdict = verdict
    self.topFrame = topFrame
    self.guess = guess
  }

  /// The attempt of a check that just ended.
  public init(_ result: CheckResult, topFrame: String?, guess: UInt64?, time: Date = Date()) {
    self.init(
      time: time.timeIntervalSince1970, measured: result.measured, limit: result.exercise.manifest.limit.value,
      verdict: Self.word(for: result.verdict), topFrame: topFrame, guess: guess)
  }

  /// Whether it passed.
  public var passed: Bool { verdict == "passed" }

  /// The verdict's word in ``verdict``.
  public static func word(for verdict: CheckVerdict) -> String {
    switch verdict {
    case .passed: return "passed"
    case .overLimit: return "overLimit"
    case .casesFailed: return "casesFailed"
    case .compileFailed: return "compileFailed"
    case .crashed: return "crashed"
    case .exited: return "exited"
    case .stoppedAtTimeBound: return "stoppedAtTimeBound"
    case .stoppedAtMemoryBound: return "stoppedAtMemoryBound"
    case .captureIncomplete: return "captureIncomplete"
    case .workloadMissing: return "workloadMissing"
    case .cancelled: return "cancelled"
    }
  }

  /// `Fibonacci.swift:19` of `fibonacci(count:) (Fibonacci.swift:19)`; the whole label when it
  /// names no place.
  public static func place(of label: String) -> String {
    guard label.hasSuffix(")"), let open = label.dropLast().lastIndex(of: "(") else { return label }
    let inside = label[label.index(after: open)..<label.index(before: label.endIndex)]
    return inside.contains(".") && inside.contains(":") ? String(inside) : label
  }
}

/// What changed between two attempts, in words:
/// "peak 3.5 MiB → 96 B; `Fibonacci.swift:19` is no longer at the peak".
public enum AttemptChange {
  /// The sentence comparing `current` with `previous`, or nil when there is nothing to compare
  /// (neither measured, nor a top frame).
  ///
  /// - Parameters:
  ///   - measureName: `peak`, `leaks`, `allocations`...
  ///   - describe: writes a measure (`3.5 MiB`, `1,204`).
  public static func describe(
    from previous: Attempt, to current: Attempt, measureName: String, describe: (UInt64) -> String
  ) -> String? {
    var parts: [String] = []
    switch (previous.measured, current.measured) {
    case (let before?, let after?):
      parts.append(
        before == after
          ? "\(measureName) unchanged at \(describe(after))" : "\(measureName) \(describe(before)) → \(describe(after))"
      )
    case (let before?, nil):
      parts.append("\(measureName) \(describe(before)) last time, not measured now")
    case (nil, let after?):
      parts.append("\(measureName) measured for the first time: \(describe(after))")
    case (nil, nil):
      break
    }
    let at = measureName == "peak" ? "at the peak" : "on top of the \(measureName)"
    // A check that measured nothing (it did not compile, it crashed) says nothing of the frames.
    let frames =
      current.measured == nil ? (nil, nil) : (previous.topFrame.map(Attempt.place), current.topFrame.map(Attempt.place))
    switch frames {
    case (let before?, let after?) where before == after:
      parts.append("`\(after)` is still \(at)")
    case (let before?, let after?):
      parts.append("`\(before)` is no longer \(at); `\(after)` is")
    case (let before?, nil):
      parts.append("`\(before)` is no longer \(at)")
    case (nil, let after?):
      parts.append("`\(after)` is \(at)")
    case (nil, nil):
      break
    }
    return parts.isEmpty ? nil : parts.joined(separator: "; ")
  }
}

extension LimitMeasure {
  /// Its name in a sentence: `peak`, `leaks`, `allocations`, `temporary allocations`.
  public var wordName: String { self == .temporary ? "temporary allocations" : rawValue }

  /// A measure of this kind as text: `3.5 MiB` for bytes, `1,204` for counts.
  public func describe(_ value: UInt64) -> String {
    isBytes ? ByteCountText.describe(value) : ByteCountText.grouped(value)
  }
}
