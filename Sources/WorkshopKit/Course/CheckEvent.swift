/// What a check is doing, as it goes: a front end shows these as they come.
public enum CheckEvent: Sendable {
  /// The compiler is building the learner's files or the reference solution.
  case compiling(ExerciseVariant)
  /// The program runs under the tracker: its live run gives snapshots and can be cancelled.
  case running(ExerciseVariant, LiveRun)
  /// The check is over: the verdict, the capture and what to do next.
  case finished(CheckOutcome)
}

/// A check of the learner's files as the course session made it: the result, recorded in the
/// progress file, and what to do next.
public struct CheckOutcome: Sendable {
  /// The result, the reference solution's measure included when it was taken.
  public var result: CheckResult
  /// The capture, relative to the course folder, when the program ran.
  public var capture: String?
  /// What to do next: after a pass, the next exercise; after a failure, where to look further.
  public var nextSteps: [NextStep]
  /// Problems met that did not stop the check (a damaged progress file, one not written), one
  /// sentence each.
  public var warnings: [String]
  /// Every attempt of the exercise kept so far, oldest first, this check's last (empty when it was
  /// cancelled or the progress could not be written).
  public var attempts: [Attempt] = []

  /// What changed since the attempt before this one, in words (``AttemptChange``); nil for a first
  /// attempt.
  public var changeSinceLastAttempt: String? {
    guard attempts.count >= 2 else { return nil }
    let measure = result.exercise.manifest.limit.measure
    return AttemptChange.describe(
      from: attempts[attempts.count - 2], to: attempts[attempts.count - 1], measureName: measure.wordName,
      describe: measure.describe)
  }

  /// Lines about the attempts, for under the verdict: the guess typed before the first check beside
  /// the measure (`your guess: peak 1 MiB; measured: 3.5 MiB`), and what changed since the last
  /// attempt (`attempt 2, since the last: peak 3.5 MiB → 96 B; …`).
  public var attemptNotes: [String] {
    guard let current = attempts.last else { return [] }
    let measure = result.exercise.manifest.limit.measure
    var lines: [String] = []
    if let guess = current.guess {
      let measured = current.measured.map(measure.describe) ?? "not measured"
      lines.append("your guess: \(measure.wordName) \(measure.describe(guess)); measured: \(measured)")
    }
    if let change = changeSinceLastAttempt {
      lines.append("attempt \(attempts.count), since the last: \(change)")
    }
    return lines
  }
}
