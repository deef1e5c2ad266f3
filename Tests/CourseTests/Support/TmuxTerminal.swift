import Foundation
import WorkshopTestSupport

/// A tmux server of a test's own (its own socket), running `command` on a terminal of
/// `columns` × `rows` (80 × 24 by default): what a learner sees, as text.
struct TmuxTerminal {
  /// The server's socket name.
  let socket: String

  /// Starts `command` in a new session.
  init(running command: String, columns: Int = 80, rows: Int = 24, name: String = #function) throws {
    socket = "workshop-course-\(getpid())-\(name.prefix(while: { $0 != "(" }))"
    try tmux("new-session", "-d", "-x", "\(columns)", "-y", "\(rows)", command)
  }

  /// Runs tmux on this server.
  @discardableResult
  func tmux(_ arguments: String...) throws -> Command.Result {
    try Command.run(["tmux", "-L", socket] + arguments)
  }

  /// The visible screen, a line a row.
  func screen() throws -> String { try tmux("capture-pane", "-p").standardOutput }

  /// Types keys (tmux key names).
  func press(_ keys: String...) throws { _ = try Command.run(["tmux", "-L", socket, "send-keys"] + keys) }

  /// The screen once `condition` holds, or after `seconds`.
  func waitFor(seconds: Double = 5, _ condition: (String) -> Bool) throws -> String {
    var text = ""
    for _ in 0..<max(1, Int(seconds * 10)) {
      text = try screen()
      if condition(text) { return text }
      usleep(100_000)
    }
    return text
  }

  /// Stops the server and what runs in it.
  func end() { _ = try? tmux("kill-server") }
}
