import Foundation
import MemoryAnalysis
import Rendering
import Synchronization
import TerminalUI

/// Makes the explorer's icicles off the UI thread. A chosen moment or range reads the whole capture
/// again (``MemoryAnalysis/TemporalSnapshot``): about a second for a capture of 70 MB, during which
/// the screen must still answer its keys (move, search, resize, quit). Each view's tree of every
/// frame (`N`) is made after its explorer is shown: it takes as long as the first.
///
/// One tree is made at a time, on a thread of its own, because the trees' symbolizer serves one
/// caller at a time. A view asked for while another is being made waits, and only the last one
/// asked for is made next: a user stepping the time cursor asks for many and wants the last.
/// Everything but the reading thread's work runs on the UI thread.
final class ExplorerReader: @unchecked Sendable {
  // @unchecked: `trees` is used by one reading thread at a time (``start(_:)`` is called only when
  // none runs: `reading` is nil), and `reading`/`waiting` only on the UI thread; what crosses
  // between the threads goes through `finished`.

  /// What a reading thread makes.
  enum Made {
    /// The explorer of a view, without its native tree.
    case explorer(IcicleExplorer)
    /// A view's tree of every frame, for its explorer.
    case nativeTree(AllocationTree)
  }

  /// What was made for a view, or the sentence why it could not be.
  typealias Outcome = (view: ProfileView, made: Result<Made, any Error>)

  private enum Job: Equatable {
    case explorer(ProfileView)
    case nativeTree(ProfileView)
  }

  private let trees: CaptureTrees
  private let waker: EventLoop.Waker
  private let finished = Mutex<Outcome?>(nil)
  /// The job running, if any.
  private var reading: Job?
  /// The view whose explorer to make once `reading` is done.
  private var waiting: ProfileView?

  /// A reader of `trees` that wakes the UI's loop through `waker` when a tree is made.
  init(trees: CaptureTrees, waker: EventLoop.Waker) {
    self.trees = trees
    self.waker = waker
  }

  /// Asks for the explorer of `view`: made now, or after the tree being made (replacing any other
  /// view that waited). Its native tree follows it.
  func request(_ view: ProfileView) {
    if reading != nil {
      waiting = view
    } else {
      start(.explorer(view))
    }
  }

  /// Asks for the native tree of `view`, whose explorer is shown already without one (the first
  /// screen's); nothing when a tree is being made.
  func requestNativeTree(of view: ProfileView) {
    if reading == nil { start(.nativeTree(view)) }
  }

  /// After a wake-up: what was made, unless a later view was asked for meanwhile (that one's
  /// explorer is then being made, and an explorer of another view is dropped). An explorer taken
  /// has its native tree made next.
  func take() -> Outcome? {
    guard
      let outcome = finished.withLock({ (value: inout Outcome?) -> Outcome? in
        defer { value = nil }
        return value
      })
    else { return nil }
    let job = reading
    reading = nil
    if let next = waiting {
      waiting = nil
      if job != .explorer(next) {
        start(.explorer(next))
        if case .explorer = job { return nil }
        return outcome
      }
    }
    if case .explorer(let view) = job, case .success = outcome.made { start(.nativeTree(view)) }
    return outcome
  }

  private func start(_ job: Job) {
    reading = job
    // The analysis recurses along stacks as deep as the program's: the main thread's stack size.
    let thread = Thread { [self] in
      let outcome: Outcome
      switch job {
      case .explorer(let view):
        outcome = (view, Result { .explorer(try trees.explorer(for: view)) })
      case .nativeTree(let view):
        outcome = (view, Result { .nativeTree(try trees.nativeTree(for: view)) })
      }
      finished.withLock { $0 = outcome }
      waker.wake()
    }
    thread.stackSize = 8 << 20
    thread.start()
  }
}
