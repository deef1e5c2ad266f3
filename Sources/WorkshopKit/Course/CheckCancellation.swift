import Synchronization

/// Stops a check from any thread: before its program runs (the program is then stopped the moment
/// it starts, and the reference solution is not measured) or while it runs. A cancelled check is
/// not recorded; a compiler killed by the same Ctrl-C does not count as a compile error.
public final class CheckCancellation: Sendable {
  private let state = Mutex<(run: LiveRun?, cancelled: Bool)>((nil, false))

  /// A check not cancelled yet.
  public init() {}

  /// Whether ``cancel()`` was called.
  public var isCancelled: Bool { state.withLock { $0.cancelled } }

  /// Cancels the check: its program now, or as soon as it starts.
  public func cancel() {
    let run = state.withLock { state in
      state.cancelled = true
      return state.run
    }
    run?.cancel()
  }

  /// The check's program has started: cancelled already, it is stopped at once.
  func started(_ run: LiveRun) {
    let cancelled = state.withLock { state in
      state.run = run
      return state.cancelled
    }
    if cancelled { run.cancel() }
  }
}
