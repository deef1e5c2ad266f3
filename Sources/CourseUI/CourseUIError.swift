/// What can go wrong in `workshop start`, each said as one sentence that names the value.
public enum CourseUIError: Error, CustomStringConvertible, Equatable {
  /// Saving cannot be watched; `c` still checks.
  case watchFailed(folder: String, reason: String)
  /// Standard input or output is not a terminal.
  case noTerminal
  /// The terminal cannot show a full screen.
  case screenUnavailable(term: String)

  /// One sentence.
  public var description: String {
    switch self {
    case .watchFailed(let folder, let reason):
      return "saves in \(folder) cannot be watched (\(reason)): press c to check"
    case .noTerminal:
      return "workshop start needs a terminal on its input and output; without one, use `workshop lesson N`, "
        + "`workshop check N` and `workshop hint N`"
    case .screenUnavailable(let term):
      return "this terminal (TERM=\(term)) cannot show a full screen; use `workshop lesson N`, "
        + "`workshop check N` and `workshop hint N` instead"
    }
  }
}
