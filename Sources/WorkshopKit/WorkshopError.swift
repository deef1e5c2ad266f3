import Rendering

/// Everything that can go wrong in WorkshopKit, each said as one sentence that names the value.
public enum WorkshopError: Error, CustomStringConvertible, Equatable {
  /// The preloaded tracker library is not where it should be.
  case trackerLibraryMissing(searched: [String])
  /// A folder workshop writes into (`.workshop/`, its captures or backups) is a symbolic link.
  case symlinkedFolder(path: String, target: String)
  /// The program to run could not be found or started.
  case programNotStarted(program: String, reason: String)
  /// A capture file would be overwritten.
  case captureExists(path: String)
  /// The program ran, but it left no capture behind.
  case captureMissing(path: String)
  /// A capture has no marker of that name.
  case markerMissing(file: String, marker: String, known: [String])
  /// No course folder holding `part` (`Exercises` or `Lessons`) was found.
  case courseNotFound(part: String, searched: [String])
  /// The argument is a number but there is no such lesson.
  case noSuchLessonNumber(Int, count: Int)
  /// The argument names neither a lesson nor a file.
  case noSuchLesson(String)
  /// The lesson file exists but cannot be read as UTF-8 text.
  case unreadableLesson(path: String)
  /// The argument names no exercise of the course.
  case unknownExercise(String, known: [String])
  /// A file the course needs is not there.
  case exerciseFileMissing(path: String)
  /// `exercise.json` cannot be used; `key` is the manifest key at fault, if one is.
  case manifestInvalid(file: String, key: String?, reason: String)
  /// The Swift compiler could not be run.
  case compilerNotStarted(reason: String)
  /// The exercise has no lesson, or its lesson lacks what was asked for.
  case lessonMissing(exercise: String, what: String)
  /// A hint number outside the lesson's hints.
  case hintOutOfRange(exercise: String, asked: Int, count: Int)
  /// A question needs an answer and there is no terminal to ask on.
  case confirmationNeeded(action: String, flag: String)
  /// The pristine copy of a learner file cannot be found.
  case originalMissing(path: String)
  /// Writing a file failed.
  case writeFailed(path: String, reason: String)
  /// The progress file was written by a newer workshop, in a format this one does not read.
  case progressTooNew(path: String, version: Int, known: Int)
  /// Two exercise folders have the same number.
  case duplicateExercise(number: Int, first: String, second: String)
  /// `reset` restored some files and failed on `path`; the learner's version is in `backup`.
  case resetIncomplete(path: String, reason: String, restored: [String], backup: String?)

  /// One lower-case sentence that says what happened and what to do.
  public var description: String {
    switch self {
    case .trackerLibraryMissing(let searched):
      return
        "the tracker library libworkshop_tracker.so was not found (looked in \(searched.joined(separator: ", "))): "
        + "build it with Scripts/bootstrap.sh or point WORKSHOP_TRACKER_LIBRARY at it"
    case .symlinkedFolder(let path, let target):
      return "\(path) is a symbolic link to \(target): workshop writes only into a real folder there; "
        + "remove the link (or make it a folder) and try again"
    case .programNotStarted(let program, let reason):
      return "could not start \(program): \(reason)"
    case .captureExists(let path):
      return "\(path) already exists: choose another name with --output or remove the file first"
    case .captureMissing(let path):
      return "the program wrote no capture at \(path): it may have closed the tracker's file or run untracked"
    case .markerMissing(let file, let marker, let unsafeKnown):
      // The known names come from the capture: nothing in them may drive the terminal.
      let known = unsafeKnown.map(TerminalText.stripped)
      return "\(file) has no marker \"\(marker)\": "
        + (known.isEmpty ? "the program wrote no markers" : "its markers are \(known.joined(separator: ", "))")
    case .courseNotFound(let part, let searched):
      return "no course folder (one holding \(part)/) was found in \(searched.joined(separator: ", ")): "
        + "run workshop from the course or set WORKSHOP_COURSE_DIR"
    case .noSuchLessonNumber(let number, let count):
      return count == 0
        ? "there is no lesson \(number): the course has no lessons yet"
        : "there is no lesson \(number): the course has lessons 1 to \(count); run `workshop lesson` to list them"
    case .noSuchLesson(let name):
      return "\"\(name)\" is neither a lesson name nor a readable file: run `workshop lesson` to list the lessons, "
        + "or give the path of an .rst file"
    case .unreadableLesson(let path):
      return "cannot read \"\(path)\" as UTF-8 text: check that it is a reStructuredText file"
    case .unknownExercise(let name, let known):
      return known.isEmpty
        ? "there is no exercise \"\(name)\": the course has no exercises yet"
        : "there is no exercise \"\(name)\": the course has \(Self.list(known))"
    case .exerciseFileMissing(let path):
      return "\(path) is missing: the course is incomplete, restore it from the repository"
    case .manifestInvalid(let file, let key, let reason):
      return key.map { "\(file): the key \"\($0)\" is wrong: \(reason)" } ?? "\(file) cannot be read: \(reason)"
    case .compilerNotStarted(let reason):
      return "could not run swiftc: \(reason); install a Swift toolchain and put swiftc in PATH"
    case .lessonMissing(let exercise, let what):
      return "\(exercise) has no \(what): its lesson in Lessons/ should provide it"
    case .hintOutOfRange(let exercise, let asked, let count):
      return count == 1
        ? "there is no hint \(asked) for \(exercise): it has 1 hint"
        : "there is no hint \(asked) for \(exercise): it has hints 1 to \(count)"
    case .confirmationNeeded(let action, let flag):
      return "\(action) needs a yes and there is no terminal to ask on: add \(flag) to go ahead"
    case .originalMissing(let path):
      return "no pristine copy of \(path) was found (neither in \(Course.stateFolderName)/originals nor in git): "
        + "fetch the file from the course repository"
    case .writeFailed(let path, let reason):
      return "could not write \(path): \(reason)"
    case .progressTooNew(let path, let version, let known):
      return "\(path) was written by a newer workshop (format version \(version); this one reads \(known)): "
        + "update workshop, or move the file aside to start afresh"
    case .duplicateExercise(let number, let first, let second):
      return "Exercises/\(first) and Exercises/\(second) are both exercise \(number): rename one of them"
    case .resetIncomplete(let path, let reason, let restored, let backup):
      return "could not restore \(path) (\(reason))"
        + (restored.isEmpty ? "" : "; \(Self.list(restored)) \(restored.count == 1 ? "was" : "were") restored")
        + (backup.map { ": your version is kept in \($0)/" } ?? "")
    }
  }

  /// `a, b and c`.
  static func list(_ names: [String]) -> String {
    names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
  }
}
