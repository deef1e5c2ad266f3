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
  /// No course (a folder with `Lessons/`) was found.
  case courseNotFound(searched: [String])
  /// The argument is a number but there is no such lesson.
  case noSuchLessonNumber(Int, count: Int)
  /// The argument names neither a lesson nor a file.
  case noSuchLesson(String)
  /// The lesson file exists but cannot be read as UTF-8 text.
  case unreadableLesson(path: String)

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
    case .courseNotFound(let searched):
      return "no Lessons folder was found (looked in \(searched.map { "\"\($0)\"" }.joined(separator: ", "))): "
        + "run workshop from the course repository or set WORKSHOP_COURSE_DIR"
    case .noSuchLessonNumber(let number, let count):
      return count == 0
        ? "there is no lesson \(number): the course has no lessons yet"
        : "there is no lesson \(number): the course has lessons 1 to \(count); run `workshop lesson` to list them"
    case .noSuchLesson(let name):
      return "\"\(name)\" is neither a lesson name nor a readable file: run `workshop lesson` to list the lessons, "
        + "or give the path of an .rst file"
    case .unreadableLesson(let path):
      return "cannot read \"\(path)\" as UTF-8 text: check that it is a reStructuredText file"
    }
  }
}
