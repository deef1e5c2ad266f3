import Foundation

/// A shell command in a tmux server of its own (`tmux -L SOCKET`), 120 × 40 unless told, killed
/// when the value goes: how the tests drive workshop's full screens and read them as text.
public final class TmuxScreen {
  /// The server's socket name, unique to this value.
  public let socket = "workshop-tests-\(UUID().uuidString.prefix(8))"
  /// The session's name.
  public let session = "screen"

  /// Starts `script` (run by the shell) in `directory`, on a window of `width` × `height`.
  public init(_ script: String, in directory: URL, width: Int = 120, height: Int = 40) throws {
    try tmux(["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", "-c", directory.path, script])
  }

  deinit { _ = try? tmux(["kill-server"]) }

  /// Runs a tmux command on this server.
  @discardableResult
  public func tmux(_ arguments: [String]) throws -> Command.Result {
    try Command.run(["tmux", "-L", socket] + arguments, timeLimit: 20)
  }

  /// The screen's text now.
  public func screen() -> String { (try? tmux(["capture-pane", "-p", "-t", session]).standardOutput) ?? "" }

  /// Types `keys` (tmux's names: `Enter`, `C-c`, `Space`...).
  public func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", session] + keys) }

  /// Polls the screen every 30 ms until it shows `text` or `seconds` pass; the screen then.
  ///
  /// It sleeps by suspending, not by blocking: on two cores a test that blocked a thread of the
  /// test pool for the whole wait would leave the other tests' bodies (and their time limits)
  /// waiting for it.
  public func poll(for text: String, seconds: Double) async -> String {
    let deadline = Date().addingTimeInterval(seconds)
    var shown = screen()
    while !shown.contains(text) && Date() < deadline {
      // A cancelled test (its time limit reached) stops polling instead of spinning on tmux.
      guard (try? await Task.sleep(for: .milliseconds(30))) != nil else { break }
      shown = screen()
    }
    return shown
  }
}
