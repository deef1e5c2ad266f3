#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Rendering

/// The full-screen lesson pager: a ``PagerState`` fed by an ``EventLoop`` and drawn on a
/// ``Screen``. The keys are ``PagerState``'s.
public final class Pager {
  private let title: String
  private let rules: PagerRevealRules
  private let layout: (_ width: Int, _ revealed: LessonReveal) -> LessonRendering

  /// Makes a pager; `layout` lays the lesson out for a width with some hidden blocks revealed,
  /// `rules` say what `r` reveals.
  public init(
    title: String, rules: PagerRevealRules = .showOrHideAll,
    layout: @escaping (_ width: Int, _ revealed: LessonReveal) -> LessonRendering
  ) {
    self.title = title
    self.rules = rules
    self.layout = layout
  }

  /// Runs on the terminal until the user quits, the terminal goes away or a signal asks to stop;
  /// the terminal is given back in every case. After SIGTERM or SIGHUP the signal is raised again
  /// once the terminal is restored, so the process ends as it was asked to.
  ///
  /// - Returns: false when the screen could not be set up (the caller prints the lesson instead).
  @discardableResult
  public func run(capabilities: TerminalCapabilities, term: String) -> Bool {
    let outcome = runOnScreen(capabilities: capabilities, term: term)
    if outcome == .unavailable { return false }
    if case .ended(.signal(let number)) = outcome, number != SIGINT {
      // The loop's handlers are gone by now: the signal does what it did before the pager.
      raise(number)
    }
    return true
  }

  private enum Outcome: Equatable {
    case unavailable, quit
    case ended(EventLoop.Ending)
  }

  /// The loop, the screen and the state live only here, so that the terminal and the signal
  /// dispositions are restored when this returns.
  private func runOnScreen(capabilities: TerminalCapabilities, term: String) -> Outcome {
    // The loop first: its handlers must be in place before ncurses looks for SIGWINCH's.
    guard let loop = try? EventLoop(), let screen = try? Screen(capabilities: capabilities, term: term) else {
      return .unavailable
    }
    defer { screen.stop() }
    var state = PagerState(title: title, width: screen.width, height: screen.height, rules: rules, layout: layout)
    screen.draw(state.render())
    while let event = loop.next() {
      switch event {
      case .key(let key):
        if state.update(key) == .quit { return .quit }
      case .resize(let width, let height):
        screen.resize(width: width, height: height)
        state.resize(width: screen.width, height: screen.height)
      case .wake, .tick:
        break
      }
      screen.draw(state.render())
    }
    return .ended(loop.ending ?? .inputClosed)
  }
}
