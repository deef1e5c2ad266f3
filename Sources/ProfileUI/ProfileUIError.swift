import TerminalUI

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

  /// `problem` said for `command`.
  public init(_ problem: Terminal.FullScreenProblem, command: String) {
    switch problem {
    case .notATerminal: self = .noTerminal(command: command)
    case .cannotDraw(let term): self = .screenUnavailable(term: term)
    }
  }
}
