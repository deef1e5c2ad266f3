import Foundation
import Rendering
import Synchronization
import TerminalUI

/// Makes the explorer's icicles off the UI thread. A chosen moment or range reads the whole capture
/// again (``MemoryAnalysis/TemporalSnapshot``): about a second for a capture of 70 MB, during which
/// the screen must still answer its keys (move, search, resize, quit).
///
/// One icicle is made at a time, on a thread of its own, because the trees' symbolizer serves one
/// caller at a time. A view asked for while another is being made waits, and only the last one
/// asked for is made next: a user stepping the time cursor asks for many and wants the last.
/// Everything but the reading thread's work runs on the UI thread.
final class ExplorerReader: @unchecked Sendable {
  // @unchecked: `trees` is used by one reading thread at a time (``start(_:)`` is called only when
  // none runs: `reading` is nil), and `reading`/`waiting` only on the UI thread; what crosses
  // between the threads goes through `finished`.

  /// An icicle made, or the sentence why it could not be.
  typealias Outcome = (view: ProfileView, explorer: Result<IcicleExplorer, any Error>)

  private let trees: CaptureTrees
  private let waker: EventLoop.Waker
  private let finished = Mutex<Outcome?>(nil)
  /// The view being made, if any.
  private(set) var reading: ProfileView?
  /// The view to make once `reading` is done.
  private var waiting: ProfileView?

  /// A reader of `trees` that wakes the UI's loop through `waker` when an icicle is made.
  init(trees: CaptureTrees, waker: EventLoop.Waker) {
    self.trees = trees
    self.waker = waker
  }

  /// Asks for the icicle of `view`: made now, or after the one being made (replacing any other
  /// that waited).
  func request(_ view: ProfileView) {
    if reading != nil {
      waiting = view
    } else {
      start(view)
    }
  }

  /// After a wake-up: the icicle made, unless a later view was asked for meanwhile (that one is
  /// then being made, and this one is dropped).
  func take() -> Outcome? {
    guard
      let outcome = finished.withLock({ (value: inout Outcome?) -> Outcome? in
        defer { value = nil }
        return value
      })
    else { return nil }
    reading = nil
    if let next = waiting {
      waiting = nil
      if next != outcome.view {
        start(next)
        return nil
      }
    }
    return outcome
  }

  private func start(_ view: ProfileView) {
    reading = view
    // The analysis recurses along stacks as deep as the program's: the main thread's stack size.
    let thread = Thread { [self] in
      let explorer = Result { try trees.explorer(for: view) }
      finished.withLock { $0 = (view, explorer) }
      waker.wake()
    }
    thread.stackSize = 8 << 20
    thread.start()
  }
}
