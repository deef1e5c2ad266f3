/// Why the terminal UI could not start.
public enum TerminalUIError: Error, CustomStringConvertible, Equatable {
  /// ncurses could not take the terminal (an unknown `TERM`, or no terminal).
  case screenUnavailable(term: String)
  /// A system call the event loop needs failed.
  case systemCall(name: String, errno: Int32)

  /// One sentence saying what failed and what to do.
  public var description: String {
    switch self {
    case .screenUnavailable(let term):
      return "the terminal \"\(term)\" cannot be used full-screen: set TERM to your terminal's type"
    case .systemCall(let name, let errno):
      return "\(name) failed with errno \(errno) while setting up the terminal's event loop"
    }
  }
}
