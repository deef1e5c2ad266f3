import Foundation
import Testing
import WorkshopTestSupport

/// The terminal is given back when `workshop start` dies of a signal it does not handle: a crash,
/// a Swift trap, abort() or Ctrl-\ all leave the shell on its own screen with its own settings.
@Suite("workshop start gives the terminal back when it dies", .timeLimit(.minutes(2)))
struct TerminalRestoreTests {
  @Test(
    "a fatal signal leaves the alternate screen and restores the line discipline", arguments: ["SEGV", "ILL", "QUIT"])
  func fatalSignal(signal: String) async throws {
    try await withOwnThread {
      let start = try StartSession(name: "fatalSignal-\(signal)")
      await start.wait(for: "Welcome to the workshop.")
      let shell = try start.tmux(["display", "-p", "-t", start.session, "#{pane_pid}"]).standardOutput
        .trimmingCharacters(in: .whitespacesAndNewlines)
      let workshop = try Command.run(["pgrep", "-P", shell, "-x", "workshop"], timeLimit: 10).standardOutput
        .trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(!workshop.isEmpty, "workshop runs under the pane's shell \(shell)")
      _ = try Command.run(["kill", "-\(signal)", workshop], timeLimit: 10)
      // The Swift runtime's backtracer prints on the terminal given back and, on a terminal, asks
      // for a key before it lets the process die: the prompt itself shows the terminal is usable.
      let deadline = Date().addingTimeInterval(30)
      var shown = start.screen()
      while !shown.contains("EXIT=") && Date() < deadline {
        if shown.contains("any other key to quit") { try start.keys("q") }
        try await Task.sleep(for: .microseconds(100_000))
        shown = start.screen()
      }
      #expect(shown.contains("EXIT="), "workshop died and the shell went on; the screen:\n\(shown)")
      let alternate = try start.tmux(["display", "-p", "-t", start.session, "#{alternate_on}"]).standardOutput
      #expect(alternate.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "the shell's own screen is back")
      let settings = try start.terminalSettings()
      #expect(settings.before == settings.after, "the terminal's settings are as they were")
    }
  }
}
