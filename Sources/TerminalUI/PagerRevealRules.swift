import Rendering

/// What the pager's `r` key reveals, decided by the front end: the pager knows no course, so the
/// rules that count hints and ask before a solution come in as closures (the course's are
/// WorkshopKit's `CourseSession` rules, wired in by the `workshop lesson` command).
public struct PagerRevealRules {
  /// What a press of `r` (or the answer yes) does.
  public enum Step: Hashable, Sendable {
    /// Show this much, and say `message` on the status line.
    case show(LessonReveal, message: String)
    /// Ask `question` on the status line first; `y` calls ``PagerRevealRules/confirmed``.
    case ask(question: String)
    /// Show nothing more, and say `message`.
    case refuse(message: String)
  }

  /// Shown when the pager opens.
  public var initial: LessonReveal
  /// Whether anything can be revealed (the status line offers `r` only then).
  public var offered = true
  /// `r` pressed while `shown` is shown: what to show next (counted by the front end), or a question.
  public var next: (_ shown: LessonReveal) -> Step
  /// The answer yes to the question ``next`` asked.
  public var confirmed: (_ shown: LessonReveal) -> Step

  /// Makes rules.
  public init(
    initial: LessonReveal, next: @escaping (_ shown: LessonReveal) -> Step,
    confirmed: @escaping (_ shown: LessonReveal) -> Step
  ) {
    self.initial = initial
    self.next = next
    self.confirmed = confirmed
  }

  /// For a page outside any course: `r` shows every hidden block, or hides them all again.
  public static var showOrHideAll: PagerRevealRules {
    PagerRevealRules(
      initial: .nothing,
      next: { shown in
        shown == .everything
          ? .show(.nothing, message: "hints and solutions hidden")
          : .show(.everything, message: "hints and solutions revealed")
      },
      confirmed: { shown in .show(shown, message: "") })
  }

  /// For a page with nothing hidden (a report).
  public static var nothingHidden: PagerRevealRules {
    var rules = PagerRevealRules(
      initial: .nothing, next: { _ in .refuse(message: "nothing is hidden here") },
      confirmed: { _ in .refuse(message: "nothing is hidden here") })
    rules.offered = false
    return rules
  }
}
