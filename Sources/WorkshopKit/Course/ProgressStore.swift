import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads and writes `.workshop/progress.json`: atomically (a temporary file renamed over it), under a
/// lock so that two `workshop` commands at once do not lose each other's change. A damaged file
/// never stops a command: ``update(_:)`` keeps it aside, under the lock, as `progress.json.damaged`
/// (then `.damaged-2`, `.damaged-3`, never replacing an earlier one) and progress starts afresh. A
/// file written by a newer workshop is not damaged: it is refused, and left as it is.
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

  /// The progress as the file holds it, changing no file. A damaged file gives fresh progress and
  /// why it is damaged (``update(_:)`` puts it aside).
  ///
  /// - Throws: ``WorkshopError/progressTooNew(path:version:known:)`` when a newer workshop wrote it.
  public func load() throws(WorkshopError) -> (progress: CourseProgress, damage: String?) {
    guard let data = FileManager.default.contents(atPath: path.path) else { return (CourseProgress(), nil) }
    struct Versioned: Decodable { var version: Int? }
    let version = (try? JSONDecoder().decode(Versioned.self, from: data))?.version
    if let version, version > CourseProgress.currentVersion {
      throw .progressTooNew(path: relative(path.path), version: version, known: CourseProgress.currentVersion)
    }
    if let progress = try? JSONDecoder().decode(CourseProgress.self, from: data),
      progress.version == CourseProgress.currentVersion
    {
      return (progress, nil)
    }
    let reason =
      (try? JSONSerialization.jsonObject(with: data)) == nil
      ? "it is not valid JSON" : "it does not have the expected keys and values"
    return (CourseProgress(), reason)
  }

  /// Reads the progress, lets `change` change it, and writes it back, holding the lock throughout. A
  /// damaged file is kept aside first, under the same lock.
  ///
  /// - Returns: one sentence when the file was damaged and put aside.
  /// - Throws: ``WorkshopError/progressTooNew(path:version:known:)`` (the file is left as it is), or
  ///   what `change` or writing throws.
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
    var (progress, damage) = try load()
    let warning = damage.map(setAside)
    try change(&progress)
    try save(progress)
    return warning
  }

  /// Renames the damaged file to the first free `progress.json.damaged`, `.damaged-2`, … (the lock
  /// is held), and says so.
  private func setAside(reason: String) -> String {
    var aside = path.path + ".damaged"
    var attempt = 2
    while FileManager.default.fileExists(atPath: aside) {
      aside = path.path + ".damaged-\(attempt)"
      attempt += 1
    }
    let kept = rename(path.path, aside) == 0
    return "\(relative(path.path)) was damaged (\(reason)): "
      + (kept ? "it is kept as \(relative(aside)) and progress starts afresh" : "progress starts afresh")
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
