/// Everything that can go wrong while naming frames, each said as one lower-case sentence.
public enum SymbolError: Error, CustomStringConvertible, Equatable {
  /// No `llvm-symbolizer` was found in any of the places searched.
  case symbolizerMissing(searched: [String])
  /// The symbolizer could not be started.
  case symbolizerNotStarted(path: String, reason: String)
  /// The symbolizer ended early or printed something that is not its JSON output.
  case symbolizerFailed(path: String, reason: String)

  /// One lower-case sentence that says what happened and what to do.
  public var description: String {
    switch self {
    case .symbolizerMissing(let searched):
      return "llvm-symbolizer was not found (looked in \(searched.joined(separator: ", "))): "
        + "install the Swift toolchain or point WORKSHOP_LLVM_SYMBOLIZER at it"
    case .symbolizerNotStarted(let path, let reason):
      return "could not start the symbolizer '\(path)': \(reason)"
    case .symbolizerFailed(let path, let reason):
      return "the symbolizer '\(path)' failed: \(reason)"
    }
  }
}
