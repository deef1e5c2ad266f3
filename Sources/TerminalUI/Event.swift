/// What the event loop reports.
public enum Event: Hashable, Sendable {
  /// A key was pressed.
  case key(Key)
  /// The terminal window changed size (columns, rows).
  case resize(width: Int, height: Int)
  /// Another thread called ``EventLoop/Waker/wake()``: something it produced is ready.
  case wake
  /// The loop's tick interval passed without anything else happening.
  case tick
}
