import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads and writes `.workshop/progress.json`: atomically (a temporary file renamed over it), under a
/// lock so that two `workshop` commands at once do not lose each other's change. A damaged file
/// never stops a command: it is kept aside as `progress.json.damaged` and progress starts afresh.
public struct ProgressStore: Sendable {
  /// The progress file.
  public var path: URL

  /// The store of the course in `courseFolder`.
  public init(courseFolder: URL) {
    path = courseFolder.appendingPathComponent(Course.stateFolderName).appendingPathComponent("progress.json")
  }

  /// The store at `path`.
  public init(path: URL) {
    self.path = path
  }

  /// The progress, and one sentence when the file was damaged and put aside.
  public func load() -> (progress: CourseProgress, warning: String?) {
    guard let data = FileManager.default.contents(atPath: path.path) else { return (CourseProgress(), nil) }
    if let progress = try? JSONDecoder().decode(CourseProgress.self, from: data), progress.version == 1 {
      return (progress, nil)
    }
    let reason =
      (try? JSONSerialization.jsonObject(with: data)) == nil
      ? "it is not valid JSON" : "it does not have the expected keys and values"
    let aside = path.path + ".damaged"
    _ = unlink(aside)
    let kept = rename(path.path, aside) == 0
    return (
      CourseProgress(),
      "\(relative(path.path)) was damaged (\(reason)): "
        + (kept ? "it is kept as \(relative(aside)) and progress starts afresh" : "progress starts afresh")
    )
  }

  /// Reads the progress, lets `change` change it, and writes it back, holding the lock throughout.
  ///
  /// - Returns: the warning of ``load()``, if any.
  @discardableResult
  public func update(_ change: (inout CourseProgress) throws -> Void) throws -> String? {
    try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
    let lock = open(path.path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    if lock >= 0 { flock(lock, LOCK_EX) }
    defer {
      if lock >= 0 {
        flock(lock, LOCK_UN)
        close(lock)
      }
    }
    var (progress, warning) = load()
    try change(&progress)
    try save(progress)
    return warning
  }

  /// Writes `progress` atomically.
  public func save(_ progress: CourseProgress) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try AtomicFile.write(try encoder.encode(progress), to: path)
  }

  private func relative(_ file: String) -> String {
    let course = path.deletingLastPathComponent().deletingLastPathComponent().path + "/"
    return file.hasPrefix(course) ? String(file.dropFirst(course.count)) : file
  }
}

/// Writes files so that a reader sees the old content or the new, never a part.
public enum AtomicFile {
  /// Writes `data` to a temporary file beside `url`, flushes it to disk, then renames it over `url`,
  /// keeping the old file's permissions.
  public static func write(_ data: Data, to url: URL) throws(WorkshopError) {
    let folder = url.deletingLastPathComponent()
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw .writeFailed(path: url.path, reason: error.localizedDescription)
    }
    let temporary = folder.appendingPathComponent(
      ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    ).path
    var mode: mode_t = 0o644
    var information = stat()
    if stat(url.path, &information) == 0 { mode = information.st_mode & 0o7777 }
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard descriptor >= 0 else { throw .writeFailed(path: url.path, reason: String(cString: strerror(errno))) }
    var failure: String?
    data.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = String(cString: strerror(errno))
          return
        }
        offset += written
      }
    }
    if failure == nil && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    close(descriptor)
    if failure == nil && rename(temporary, url.path) != 0 { failure = String(cString: strerror(errno)) }
    if let failure {
      unlink(temporary)
      throw .writeFailed(path: url.path, reason: failure)
    }
  }
}
