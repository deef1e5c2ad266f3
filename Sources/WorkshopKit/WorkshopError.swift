/// Everything that can go wrong in WorkshopKit, each said as one sentence that names the value.
public enum WorkshopError: Error, CustomStringConvertible, Equatable {
  /// The preloaded tracker library is not where it should be.
  case trackerLibraryMissing(searched: [String])
  /// The program to run could not be found or started.
  case programNotStarted(program: String, reason: String)
  /// A capture file would be overwritten.
  case captureExists(path: String)
  /// The program ran, but it left no capture behind.
  case captureMissing(path: String)
  /// A capture has no marker of that name.
  case markerMissing(file: String, marker: String, known: [String])

  /// One lower-case sentence that says what happened and what to do.
  public var description: String {
    switch self {
    case .trackerLibraryMissing(let searched):
      return
        "the tracker library libworkshop_tracker.so was not found (looked in \(searched.joined(separator: ", "))): "
        + "build it with Scripts/bootstrap.sh or point WORKSHOP_TRACKER_LIBRARY at it"
    case .programNotStarted(let program, let reason):
      return "could not start \(program): \(reason)"
    case .captureExists(let path):
      return "\(path) already exists: choose another name with --output or remove the file first"
    case .captureMissing(let path):
      return "the program wrote no capture at \(path): it may have closed the tracker's file or run untracked"
    case .markerMissing(let file, let marker, let known):
      return "\(file) has no marker \"\(marker)\": "
        + (known.isEmpty ? "the program wrote no markers" : "its markers are \(known.joined(separator: ", "))")
    }
  }
}
