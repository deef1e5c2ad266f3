import MemoryAnalysis

/// Something the learner can do next, as data: the command line turns it into a command to type,
/// the terminal UI into a key. Nothing here knows how either front end spells it.
public enum NextStep: Sendable, Equatable {
  /// Read lesson `number`.
  case lesson(number: Int, title: String)
  /// Check exercise `exercise` (its number), whose title is `title`.
  case check(exercise: Int, title: String)
  /// Reveal hint `hint` of exercise `exercise`.
  case hint(exercise: Int, hint: Int)
  /// Show the solution of exercise `exercise`.
  case solution(exercise: Int)
  /// Look into a capture (its path relative to the course folder) in one of the reports.
  case explore(capture: String, view: CaptureView)
  /// See every exercise and its state.
  case list
}

/// A report of a capture that explains a check's measure.
public enum CaptureView: Sendable, Equatable {
  /// The icicle of one selection (peak, leaks, temporary allocations), every native frame shown
  /// or not.
  case icicle(ReportSelection, native: Bool)
  /// The table of functions and lines, of the peak or of the leaks, in an order.
  case summary(leaks: Bool, order: LocationSummary.Order)
}
