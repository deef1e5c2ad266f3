// A symbolizer started before the capture is read, loading the C library's debug information.
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One `llvm-symbolizer` process started when a report begins, that loads the C library's tables
/// while the report reads its capture, and then answers the report's questions about that library.
///
/// Why: with an empty symbol cache, most of a small report's time was the symbolizer decompressing
/// the C library's separate debug information (libc6-dbg's, about 45 ms of CPU on this machine,
/// for the two or three frames under `main` that every program's stacks have), and that only
/// started after the whole capture was read. Every program links the C library, so it is loaded
/// ahead, on the other core, before the report knows its frames. Only when the symbol cache knows
/// nothing of that C library (a cache that names it starts nothing, so a warm report pays nothing);
/// a session nobody asks is killed with its ``LLVMSymbolizer``, or when the process exits.
final class EarlySymbolizer: @unchecked Sendable {
  /// The session, its warm-up question asked.
  let session: SymbolizerSession
  /// The symbolizer's executable: only a resolver with the same one may take the session.
  let executable: String
  /// The module it loads, as this process found it.
  let module: String
  /// That module's device and inode, so that a capture naming it by another path still matches.
  let moduleFile: FileKey

  /// A file's device and inode.
  struct FileKey: Hashable {
    var device: UInt64
    var inode: UInt64

    /// The key of the file at `path` (after links), nil when there is none.
    init?(_ path: String) {
      var status = stat()
      guard stat(path, &status) == 0 else { return nil }
      device = UInt64(status.st_dev)
      inode = UInt64(status.st_ino)
    }
  }

  private init(session: SymbolizerSession, executable: String, module: String, moduleFile: FileKey) {
    self.session = session
    self.executable = executable
    self.module = module
    self.moduleFile = moduleFile
  }

  private static let lock = NSLock()
  nonisolated(unsafe) private static var waiting: EarlySymbolizer?

  /// Starts the session unless one is waiting already, the C library is in the symbol cache, or
  /// this is not the main thread (a session dies with the thread that started it, and only the
  /// main thread surely outlives the report; a test that keeps its thread passes `anyThread`).
  /// `timeLimit` bounds the session's answers, counted from when a report takes it.
  /// Errors are ignored: the report starts its own later.
  static func start(
    environment: [String: String], anyThread: Bool = false, timeLimit: Double = LLVMSymbolizer.defaultTimeLimit
  ) {
    guard anyThread || Thread.isMainThread, let library = cLibraryPath(), let key = FileKey(library) else { return }
    lock.lock()
    defer { lock.unlock() }
    guard waiting == nil, let executable = try? LLVMSymbolizer.locate(environment: environment) else { return }
    if let folder = SymbolDiskCache.folder(environment: environment),
      let cache = SymbolDiskCache(folder: folder, symbolizer: executable),
      namesOf(library, key: key).contains(where: cache.hasModule)
    {
      return
    }
    guard
      let session = try? SymbolizerSession(
        arguments: LLVMSymbolizer.arguments(executable), environment: LLVMSymbolizer.environment(environment),
        timeLimit: timeLimit, addressSpaceLimit: LLVMSymbolizer.defaultAddressSpaceLimit)
    else { return }
    session.warmUp(LLVMSymbolizer.quoted(library))
    waiting = EarlySymbolizer(session: session, executable: executable, module: library, moduleFile: key)
  }

  /// The waiting session for a resolver of `executable`, handed over once; nil when there is none
  /// or it is for another executable (it then waits on for its own resolver).
  static func take(executable: String) -> EarlySymbolizer? {
    lock.lock()
    defer { lock.unlock() }
    guard let early = waiting, early.executable == executable else { return nil }
    waiting = nil
    early.session.restartClock()
    return early
  }

  /// Ends the waiting session, if any: its report failed before asking it (an unreadable capture).
  static func discard() {
    lock.lock()
    let early = waiting
    waiting = nil
    lock.unlock()
    early?.session.end()
  }

  /// The paths a capture may name `path` by: itself, and without `/usr` when `/lib` is a link to
  /// `/usr/lib` (a merged `/usr`: this process maps /usr/lib/…/libc.so.6, programs /lib/…/libc.so.6),
  /// when they are the same file.
  static func namesOf(_ path: String, key: FileKey) -> [String] {
    var names = [path]
    for (long, short) in [("/usr/lib/", "/lib/"), ("/usr/lib64/", "/lib64/"), ("/lib/", "/usr/lib/")]
    where path.hasPrefix(long) {
      let other = short + path.dropFirst(long.count)
      if FileKey(other) == key { names.append(other) }
    }
    return names
  }

  /// The C library this process runs on, which is the one the programs it reports on ran on: the
  /// file mapped where `gnu_get_libc_version` is (a function of glibc's alone, which nothing
  /// interposes), else the first `libc.so` mapped, from /proc/self/maps (`dladdr` is not in the
  /// Glibc module).
  static func cLibraryPath() -> String? {
    guard let maps = contents(of: "/proc/self/maps") else { return nil }
    let address = dlsym(nil, "gnu_get_libc_version").map { UInt(bitPattern: $0) }
    var named: String?
    for line in maps.split(separator: UInt8(ascii: "\n")) {
      // `start-end perms offset device inode path`
      let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
      guard fields.count == 6, let dash = fields[0].firstIndex(of: UInt8(ascii: "-")) else { continue }
      let path = String(decoding: fields[5], as: UTF8.self).trimmingCharacters(in: .whitespaces)
      guard path.hasPrefix("/") else { continue }
      if let address, let start = UInt(String(decoding: fields[0][..<dash], as: UTF8.self), radix: 16),
        let end = UInt(String(decoding: fields[0][(dash + 1)...], as: UTF8.self), radix: 16),
        start <= address && address < end
      {
        return path
      }
      if named == nil && CodeLocation.baseName(path).hasPrefix("libc.so") { named = path }
    }
    return named
  }

  /// The whole of a file whose size `stat` does not tell (/proc's), read to its end.
  private static func contents(of path: String) -> [UInt8]? {
    let file = open(path, O_RDONLY | O_CLOEXEC)
    guard file >= 0 else { return nil }
    defer { close(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let got = buffer.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
      if got < 0 && errno == EINTR { continue }
      guard got >= 0 else { return nil }
      if got == 0 { return bytes }
      bytes += buffer[0..<got]
    }
  }
}

/// What an ``LLVMSymbolizer`` holds of an early session: taken once, by its first batch.
final class EarlySymbolizerHandle: @unchecked Sendable {
  private let lock = NSLock()
  private var early: EarlySymbolizer?

  init(_ early: EarlySymbolizer?) { self.early = early }

  /// The session, once; nil afterwards.
  func take() -> EarlySymbolizer? {
    lock.lock()
    defer { lock.unlock() }
    let taken = early
    early = nil
    return taken
  }
}
