import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Tells when the learner saves one of an exercise's files: inotify on the exercise's folder, so
/// that an editor's save by rename (vim writes a new file and moves it over the old) counts as
/// much as a write in place. Runs a thread of its own; `saved` is called on it with the file's name.
final class FileWatcher: Sendable {
  private let descriptor: Int32
  private let stopped = Atomic<Bool>(false)

  /// Starts watching `folder` for `names` (file names in it).
  ///
  /// - Throws: ``CourseUIError/watchFailed(folder:reason:)`` when inotify cannot be had.
  init(folder: String, names: Set<String>, saved: @escaping @Sendable (String) -> Void) throws(CourseUIError) {
    descriptor = inotify_init1(Int32(IN_CLOEXEC))
    guard descriptor >= 0 else { throw .watchFailed(folder: folder, reason: String(cString: strerror(errno))) }
    let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_CREATE)
    guard inotify_add_watch(descriptor, folder, mask) >= 0 else {
      let reason = String(cString: strerror(errno))
      close(descriptor)
      throw .watchFailed(folder: folder, reason: reason)
    }
    let descriptor = self.descriptor
    let thread = Thread { [self] in
      var buffer = [UInt8](repeating: 0, count: 8192)
      while !self.stopped.load(ordering: .acquiring) {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 200) > 0 else { continue }
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { continue }
        for name in Self.names(in: buffer[..<count]) where names.contains(name) { saved(name) }
      }
      close(descriptor)
    }
    thread.name = "workshop file watcher"
    thread.start()
  }

  /// Stops the thread (within 200 ms) and closes the descriptor.
  func stop() { stopped.store(true, ordering: .releasing) }

  /// The file names of the inotify events in `bytes`.
  static func names(in bytes: ArraySlice<UInt8>) -> [String] {
    var names: [String] = []
    var offset = bytes.startIndex
    let header = MemoryLayout<inotify_event>.size
    while offset + header <= bytes.endIndex {
      let length = bytes[(offset + 12)..<(offset + 16)].reversed().reduce(0) { $0 << 8 | Int($1) }
      let nameBytes = bytes[(offset + header)..<min(bytes.endIndex, offset + header + length)]
      names.append(String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self))
      offset += header + length
    }
    return names
  }
}
