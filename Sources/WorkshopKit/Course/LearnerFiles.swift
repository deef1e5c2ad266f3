import Foundation

/// The learner's files of each exercise, their pristine originals and their backups.
///
/// The original of a learner file is snapshotted once into `.workshop/originals/exercise_N/` the
/// first time a command that may need it runs (`check`, `list`, `reset`): from git's `HEAD` when the
/// course is a git checkout that has the file (so an edit made before the first command does not
/// count as original), else the file as it is then. After that the snapshot is the original, so a
/// learner who commits their work can still reset to what was shipped.
public struct LearnerFiles: Sendable {
  /// The course.
  public var course: Course

  /// The files of `course`.
  public init(course: Course) {
    self.course = course
  }

  /// The snapshot of a learner file (relative to the course folder).
  public func originalURL(of file: String) -> URL {
    course.stateFolder.appendingPathComponent("originals").appendingPathComponent(
      String(file.dropFirst("Exercises/".count)))
  }

  /// Snapshots the originals of `exercise` that have no snapshot yet (best effort: a file that
  /// cannot be read is left for ``original(of:)`` to report).
  public func snapshotOriginals(of exercise: Exercise) {
    for file in exercise.learnerFiles where !FileManager.default.fileExists(atPath: originalURL(of: file).path) {
      guard let data = committedVersion(of: file) ?? FileManager.default.contents(atPath: exercise.path(file)) else {
        continue
      }
      try? AtomicFile.write(data, to: originalURL(of: file))
    }
  }

  /// The original content of a learner file.
  public func original(of file: String) throws(WorkshopError) -> Data {
    if let data = FileManager.default.contents(atPath: originalURL(of: file).path) { return data }
    if let data = committedVersion(of: file) { return data }
    throw .originalMissing(path: file)
  }

  /// The learner files of `exercise` that differ from their originals.
  public func changedFiles(of exercise: Exercise) throws(WorkshopError) -> [String] {
    var changed: [String] = []
    for file in exercise.learnerFiles {
      let current = FileManager.default.contents(atPath: exercise.path(file))
      if try current != original(of: file) { changed.append(file) }
    }
    return changed
  }

  /// Restores the changed learner files of `exercise` to their originals, each atomically, after
  /// copying the learner's version to `.workshop/backups/exercise_N/TIMESTAMP/`.
  ///
  /// - Returns: the files restored and the backup folder (relative to the course folder), or nil
  ///   when nothing differed.
  /// - Throws: ``WorkshopError/resetIncomplete(path:reason:restored:backup:)`` when a file cannot be
  ///   restored once the backup is written, saying which were restored and where the backup is.
  public func reset(_ exercise: Exercise, at date: Date = Date()) throws(WorkshopError) -> (
    restored: [String], backup: String?
  )? {
    let changed = try changedFiles(of: exercise)
    guard !changed.isEmpty else { return nil }
    var stamp = Self.timestamp(date)
    var backup = "\(Course.stateFolderName)/backups/\(exercise.name)/\(stamp)"
    var attempt = 2
    while FileManager.default.fileExists(atPath: course.folder.appendingPathComponent(backup).path) {
      stamp = "\(Self.timestamp(date))-\(attempt)"
      backup = "\(Course.stateFolderName)/backups/\(exercise.name)/\(stamp)"
      attempt += 1
    }
    // Every backup is written before any learner file is touched; a file of the learner's that is
    // missing has nothing to keep, and with none to keep there is no backup folder to name.
    var keptAny = false
    for file in changed {
      if let current = FileManager.default.contents(atPath: exercise.path(file)) {
        let name = String(file.dropFirst(exercise.relativeFolder.count + 1))
        let target = course.folder.appendingPathComponent(backup).appendingPathComponent(name)
        // .workshop/ and backups/ are the course's own folders: a link there is refused.
        for folder in [Course.stateFolderName, "\(Course.stateFolderName)/backups"] {
          try Self.refuseSymbolicLink(course.folder.appendingPathComponent(folder).path)
        }
        try Self.makeFolder(target.deletingLastPathComponent().path)
        try AtomicFile.write(current, to: target)
        keptAny = true
      }
    }
    let kept = keptAny ? backup : nil
    var restored: [String] = []
    for file in changed {
      do {
        try AtomicFile.write(try original(of: file), to: URL(fileURLWithPath: exercise.path(file)))
      } catch {
        let reason: String
        switch error {
        case .writeFailed(_, let why): reason = why
        default: reason = error.description
        }
        throw .resetIncomplete(path: file, reason: reason, restored: restored, backup: kept)
      }
      restored.append(file)
    }
    return (restored, kept)
  }

  /// Throws when `path` is a symbolic link: a linked `.workshop/` would send captures and backups
  /// wherever it points, silently.
  static func refuseSymbolicLink(_ path: String) throws(WorkshopError) {
    var status = stat()
    guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK else { return }
    let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
    throw .symlinkedFolder(path: path, target: target)
  }

  /// Makes `path` and the folders above it, saying which one could not be made and why (Foundation
  /// says only "NSCocoaErrorDomain error 512").
  static func makeFolder(_ path: String) throws(WorkshopError) {
    var status = stat()
    if stat(path, &status) == 0 {
      guard (status.st_mode & S_IFMT) == S_IFDIR else {
        throw .writeFailed(path: path, reason: "it is a file, not a folder")
      }
      return
    }
    let parent = (path as NSString).deletingLastPathComponent
    if !parent.isEmpty && parent != path { try makeFolder(parent) }
    if mkdir(path, 0o755) != 0 && errno != EEXIST {
      throw .writeFailed(
        path: path, reason: "the folder cannot be made (\(String(cString: strerror(errno)).lowercased()))")
    }
  }

  /// `20250101-120000`, in UTC.
  static func timestamp(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    return formatter.string(from: date)
  }

  /// The file as committed in git's `HEAD`, when the course is a git checkout that has it.
  func committedVersion(of file: String) -> Data? {
    ChildProcess.output(["git", "show", "HEAD:./\(file)"], in: course.folder.path)
  }
}
