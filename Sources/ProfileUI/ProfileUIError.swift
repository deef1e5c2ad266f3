/// Why the profile screens could not run.
public enum ProfileUIError: Error, Equatable, CustomStringConvertible {
  /// Standard input or output is not a terminal.
  case noTerminal(command: String)
  /// The terminal cannot show a full screen.
  case screenUnavailable(term: String)

  /// One sentence naming the value and what to do.
  public var description: String {
    switch self {
    case .noTerminal(let command):
      return "\(command) draws a full screen and needs a terminal on standard input and output"
    case .screenUnavailable(let term):
      return
        "the terminal (TERM=\(term.isEmpty ? "unset" : term)) cannot show a full screen: run it in a terminal such as xterm or tmux"
    }
  }

  /// Why `command` cannot draw a full screen here (not a terminal, a dumb one), or nil when it can.
  public static func check(
    command: String, inputIsTerminal: Bool, outputIsTerminal: Bool, term: String
  ) -> ProfileUIError? {
    guard inputIsTerminal && outputIsTerminal else { return .noTerminal(command: command) }
    // A dumb terminal cannot move its cursor: ncurses would draw garbage on it.
    if term.isEmpty || term == "dumb" { return .screenUnavailable(term: term) }
    return nil
  }
}
