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
}
