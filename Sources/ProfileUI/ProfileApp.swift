import Foundation
import Rendering
import TerminalUI
import WorkshopKit

#if canImport(Glibc)
  import Glibc
#endif

/// `workshop view` and `workshop run --live` on the terminal: the event loop, the screen, and the
/// work the keys ask for (making an icicle, naming the live run's stacks). What is shown is
/// ``ProfileExplorerState`` or ``LiveProfileState``, drawn by ``ProfileScreen``; this class only
/// moves events in and grids out. The terminal is given back on every way out.
public final class ProfileApp {
  /// How a screen was left.
  public enum Ending: Sendable, Equatable {
    /// `q`.
    case left
    /// `q` while the program ran: it goes on, and the caller waits for it.
    case detached
    /// A signal asked to stop (Ctrl-C, SIGTERM, SIGHUP): 128 + it is the exit status.
    case signal(Int32)
    /// The terminal went away.
    case terminalGone
  }

  private let capabilities: TerminalCapabilities
  private let term: String

  /// An app for a terminal with `capabilities`, whose `TERM` is `term`.
  public init(capabilities: TerminalCapabilities, term: String) {
    self.capabilities = capabilities
    self.term = term
  }

  /// Explores the finished capture of `trees` until the user leaves.
  ///
  /// - Throws: ``ProfileUIError/screenUnavailable(term:)`` when the terminal cannot show a screen,
  ///   or what making the first icicle threw.
  public func view(_ trees: CaptureTrees, heading: String) throws -> Ending {
    let (loop, screen) = try takeTerminal()
    defer { screen.stop() }
    var state = try trees.explorerState(
      heading: heading, width: screen.width, height: screen.height, capabilities: capabilities)
    return explore(&state, trees: trees, loop: loop, screen: screen)
  }

  /// Shows `run` (started already) live until its program ends, then the explorer of its capture
  /// until the user leaves; or until `q` detaches, or a signal stops it (the caller stops the program).
  ///
  /// - Parameters:
  ///   - heading: the live screen's first line (the program, where its output goes).
  ///   - finishedHeading: the explorer's first line, from how the run ended.
  /// - Throws: ``ProfileUIError/screenUnavailable(term:)`` when the terminal cannot show a screen.
  public func live(
    _ run: LiveRun, heading: String, rootLabel: String, finishedHeading: (LiveRun.Result) -> String
  ) throws -> Ending {
    let (loop, screen) = try takeTerminal()
    defer { screen.stop() }
    let names = TopLocations(rootLabel: rootLabel, waker: loop.waker)
    var namesStopped = false
    defer { if !namesStopped { names.stop() } }
    var state = LiveProfileState(
      heading: heading, width: screen.width, height: screen.height, capabilities: capabilities)
    var namedGeneration = 0
    screen.draw(ProfileScreen.render(state))
    while let event = loop.next() {
      switch event {
      case .key(let key):
        if state.handle(key).contains(.detach) { return .detached }
      case .resize(let width, let height):
        screen.resize(width: width, height: height)
        state.resize(width: screen.width, height: screen.height)
      case .wake, .tick:
        break
      }
      let snapshot = run.snapshot
      state.update(snapshot)
      if let stacks = snapshot.aliveStacks, stacks.generation != namedGeneration, !state.paused {
        namedGeneration = stacks.generation
        names.submit(stacks)
      }
      if let summary = names.take() { state.update(locations: summary) }
      screen.draw(ProfileScreen.render(state))
      if snapshot.phase == .finished { break }
    }
    if let ending = ending(of: loop) { return ending }

    // The program has ended: the explorer of its capture.
    let result = run.wait()
    var explorer: ProfileExplorerState
    do {
      // The profile the run followed: the capture is not read again.
      let path = run.program.capturePath
      namesStopped = true
      let symbolizer = names.stop()
      let trees = try result.profile.map { CaptureTrees(profile: $0, path: path, symbolizer: symbolizer) }.get()
      explorer = try trees.explorerState(
        heading: finishedHeading(result), width: screen.width, height: screen.height, capabilities: capabilities)
      return explore(&explorer, trees: trees, loop: loop, screen: screen)
    } catch {
      // Nothing to explore (no capture, or not readable): the summary printed after says why.
      return .left
    }
  }

  // MARK: - The explorer's loop

  private func explore(
    _ state: inout ProfileExplorerState, trees: CaptureTrees, loop: EventLoop, screen: Screen
  ) -> Ending {
    loop.tick = nil
    // Icicles are made off this thread: the keys keep working while a moment is read.
    let reader = ExplorerReader(trees: trees, waker: loop.waker)
    // The first screen's tree of every frame, for `N`.
    reader.requestNativeTree(of: state.view)
    screen.draw(ProfileScreen.render(state))
    while let event = loop.next() {
      switch event {
      case .key(let key):
        for command in state.handle(key) {
          switch command {
          case .quit: return .left
          case .show(let view):
            state.making(view)
            reader.request(view)
          }
        }
      case .resize(let width, let height):
        screen.resize(width: width, height: height)
        state.resize(width: screen.width, height: screen.height)
      case .wake:
        if let outcome = reader.take() {
          switch outcome.made {
          case .success(.explorer(let explorer)): state.show(explorer, for: outcome.view)
          case .success(.nativeTree(let tree)): state.attachNativeTree(tree, for: outcome.view)
          case .failure(let error): state.failed("\(error)")
          }
        }
      case .tick:
        break
      }
      screen.draw(ProfileScreen.render(state))
    }
    return ending(of: loop) ?? .terminalGone
  }

  // MARK: - The terminal

  /// The loop first: its handlers must be in place before ncurses looks for SIGWINCH's.
  private func takeTerminal() throws(ProfileUIError) -> (EventLoop, Screen) {
    guard let loop = try? EventLoop(tick: .milliseconds(50)) else { throw .screenUnavailable(term: term) }
    do {
      return (loop, try Screen(capabilities: capabilities, term: term))
    } catch {
      throw .screenUnavailable(term: term)
    }
  }

  private func ending(of loop: EventLoop) -> Ending? {
    switch loop.ending {
    case .signal(let number): return .signal(number)
    case .inputClosed: return .terminalGone
    case nil: return nil
    }
  }
}
