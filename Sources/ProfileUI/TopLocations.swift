import Foundation
import MemoryAnalysis
import Symbols
import Synchronization
import TerminalUI
import WorkshopKit

/// Names the live run's alive stacks on a thread of its own (the symbolizer may take a while for
/// new frames; the screen must not wait for it) and sums them up by location, as memray's live
/// view does. Only the newest set submitted is worked on; the loop is woken when a summary is ready.
///
/// Every alive stack counts: a location's total is over all of them (a recursive build of a tree
/// has a stack per node, each holding a few bytes; its 512 largest stacks gave its functions a
/// total of 512 nodes). The symbolizer names each distinct frame once, and a set of a million
/// stacks takes some tenths of a second to sum up, so the thread paces itself: after a summary that
/// took *t* it waits until ``busyShare`` of its time was work (at most ``longestRest``), so that a
/// great many stacks refresh less often rather than take a core from the program.
final class TopLocations: Sendable {
  /// At most this share of the thread's time goes to summing up (the rest it waits).
  static let busyShare = 0.25
  /// The longest rest, whatever the summary cost: a first batch of new frames (the symbolizer's
  /// start, its reading of a module) is not the cost of the next ones.
  static let longestRest: Double = 2

  private struct Shared {
    var pending: LiveRun.AliveStacks?
    var ready: LocationSummary?
    var stopping = false
  }

  private let shared = Mutex(Shared())
  private let signal = DispatchSemaphore(value: 0)
  private let ended = DispatchSemaphore(value: 0)
  /// The thread's symbolizer, handed over when the thread ends: written by the thread just before
  /// it signals `ended`, read only after waiting for that.
  nonisolated(unsafe) private var symbolizer: Symbolizer?

  /// Starts the thread; `rootLabel` names the program, `waker` wakes the screen's loop.
  init(rootLabel: String, waker: EventLoop.Waker) {
    let thread = Thread { [self] in
      let (symbolizer, _) = Symbolizer.standard()
      var restUntil = DispatchTime.now()
      while true {
        signal.wait()
        // Rest after a long summary: a set submitted meanwhile only replaces the pending one; a stop
        // ends the rest.
        while DispatchTime.now() < restUntil, !shared.withLock({ $0.stopping }) {
          _ = signal.wait(timeout: restUntil)
        }
        let (stacks, stopping) = shared.withLock { shared in
          defer { shared.pending = nil }
          return (shared.pending, shared.stopping)
        }
        if stopping { break }
        guard let stacks else { continue }
        let started = DispatchTime.now()
        let samples = stacks.byStack.map { StackSample(stack: Int($0.stack), bytes: $0.bytes, count: $0.count) }
        guard
          let tree = try? AllocationTree.build(
            stacks: CaptureStacks(frames: stacks.frames), samples: samples, symbolizer: symbolizer,
            filter: FrameFilter(), rootLabel: rootLabel)
        else { continue }
        let summary = LocationSummary(tree: tree)
        shared.withLock { $0.ready = summary }
        waker.wake()
        let busy = DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds
        let rest = min(Double(busy) / 1e9 * (1 / Self.busyShare - 1), Self.longestRest)
        restUntil = .now() + .nanoseconds(Int(rest * 1e9))
      }
      self.symbolizer = symbolizer
      ended.signal()
    }
    thread.name = "workshop top locations"
    thread.start()
  }

  /// Asks for `stacks` to be named (replacing a set not started yet).
  func submit(_ stacks: LiveRun.AliveStacks) {
    shared.withLock { $0.pending = stacks }
    signal.signal()
  }

  /// The newest summary, once (nil when there is none new).
  func take() -> LocationSummary? {
    shared.withLock { shared in
      defer { shared.ready = nil }
      return shared.ready
    }
  }

  /// Ends the thread and waits for it (at most 2 s: a symbolizer stuck on a huge binary is left).
  ///
  /// - Returns: the thread's symbolizer, whose cache already names the frames of the alive stacks
  ///   (nil when the thread did not end in time). Call once.
  @discardableResult
  func stop() -> Symbolizer? {
    shared.withLock { $0.stopping = true }
    signal.signal()
    guard ended.wait(timeout: .now() + 2) == .success else { return nil }
    return symbolizer
  }
}
