// Keeps the frames llvm-symbolizer named, per module file, between reports.
#if canImport(Glibc)
  import Glibc
#endif

/// Frames already named, kept on disk per module between reports, so that the second report of a
/// program (and every report of a library seen before) starts no symbolizer at all.
///
/// Why: heaptrack names its frames while it records; workshop names them when a report is made,
/// and for a small capture the symbolizer's start and its reading of each module's tables (the
/// Swift runtime's symbol table alone, about 90 ms) were most of a report. A module is known by
/// its path, device, inode, size and modification time (to the nanosecond), the same of its
/// separate debug files (``separateDebugIdentity(_:)``), and the symbolizer's own path, size and
/// time: a rebuilt program, an upgraded library, debug information installed since or another
/// symbolizer is a different entry, never a stale one. Each module is one file, named by a hash of
/// that identity, whose first line is the identity itself (checked on reading, so a hash collision
/// is a miss). A file is replaced whole (written aside, then renamed), so readers never see half of
/// one; two reports writing at once lose one's additions, never correctness. Anything unreadable
/// is a miss, and a folder that cannot be written is no cache.
///
/// The folder: see ``folder(environment:)``. It keeps at most ``maximumModules`` files, the oldest
/// going first.
struct SymbolDiskCache {
  /// The folder of module files.
  let folder: String
  /// The symbolizer's identity, part of every module's.
  let symbolizerIdentity: String

  /// Files kept before the least recently written are removed.
  static let maximumModules = 512
  /// The format of the files; part of every identity.
  static let version = "workshop symbol cache 1"

  /// The folder `environment` names: `WORKSHOP_SYMBOL_CACHE` (empty: none), else
  /// `$XDG_CACHE_HOME/workshop/symbols`, else `~/.cache/workshop/symbols`; nil for none.
  static func folder(environment: [String: String]) -> String? {
    if let explicit = environment["WORKSHOP_SYMBOL_CACHE"] {
      return explicit.isEmpty ? nil : explicit
    } else if let base = environment["XDG_CACHE_HOME"], base.hasPrefix("/") {
      return base + "/workshop/symbols"
    } else if let home = environment["HOME"], home.hasPrefix("/") {
      return home + "/.cache/workshop/symbols"
    }
    return nil
  }

  /// The cache in `folder` for the answers of the symbolizer at `symbolizer`; nil when that is
  /// no regular file.
  init?(folder: String, symbolizer: String) {
    guard let identity = Self.fileIdentity(symbolizer) else { return nil }
    self.folder = folder
    self.symbolizerIdentity = identity
  }

  /// The frames known for one module, by lookup offset (``CodeLocation/lookupOffset``); an empty
  /// array stands for an address nothing is known about.
  struct Module {
    /// The identity line of the module's file.
    var identity: String
    /// The file's path.
    var path: String
    /// Frames by lookup offset, with a placeholder location.
    var frames: [UInt64: [Stored]] = [:]
    /// Whether anything was added since reading.
    var changed = false
    /// Whether the file existed when read.
    var existed = false
  }

  /// One frame as stored: what ``SymbolizedFrame`` holds but its location.
  struct Stored: Equatable {
    var function: String?
    var file: String?
    var line: Int?
    var isInlined: Bool
  }

  /// The module at `path` as cached, or an empty one to fill; nil when the module is no regular file.
  func module(_ path: String) -> Module? {
    guard let (identity, file) = identityAndFile(path) else { return nil }
    var module = Module(identity: identity, path: file)
    guard let bytes = Self.contents(of: file) else { return module }
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    guard lines.first.map({ String(decoding: $0, as: UTF8.self) }) == Self.escaped(identity) else { return module }
    lines.removeFirst()
    module.existed = true
    for line in lines where !line.isEmpty {
      let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
      guard fields.count >= 1, (fields.count - 1) % 4 == 0,
        let offset = UInt64(String(decoding: fields[0], as: UTF8.self), radix: 16)
      else { continue }
      var stored: [Stored] = []
      var index = 1
      var valid = true
      while index + 3 < fields.count {
        let line = fields[index + 2].isEmpty ? nil : Int(String(decoding: fields[index + 2], as: UTF8.self))
        if !fields[index + 2].isEmpty && line == nil { valid = false }
        stored.append(
          Stored(
            function: Self.optional(fields[index]), file: Self.optional(fields[index + 1]), line: line,
            isInlined: fields[index + 3].first == UInt8(ascii: "1")))
        index += 4
      }
      if valid { module.frames[offset] = stored }
    }
    return module
  }

  /// Whether the folder has a file for the module at `path` (not read: a cheap check before a
  /// report reads its capture).
  func hasModule(_ path: String) -> Bool {
    guard let (_, file) = identityAndFile(path) else { return false }
    return access(file, F_OK) == 0
  }

  /// The module's identity line and the path of its file in the folder; nil for no regular file.
  private func identityAndFile(_ path: String) -> (identity: String, file: String)? {
    guard let fileIdentity = Self.fileIdentity(path) else { return nil }
    let identity =
      "\(Self.version)\t\(fileIdentity)\t\(Self.separateDebugIdentity(path))\t\(symbolizerIdentity)"
    return (identity, "\(folder)/\(Self.hexHash(identity)).txt")
  }

  /// The separate debug information llvm-symbolizer would read for the module at `path`, by the
  /// files' identities: the build-ID file under /usr/lib/debug and the file `.gnu_debuglink` names,
  /// "-" for each that is not there. Debug information installed (or removed) after a report, such
  /// as Debian's `libc6-dbg`, makes the module another entry: its frames gain lines instead of
  /// keeping the names its symbol table gave.
  static func separateDebugIdentity(_ path: String) -> String {
    guard let file = ELFFile(path) else { return "-\t-" }
    let byBuildID = file.buildID().flatMap(ELFFile.buildIDFile).flatMap(fileIdentity) ?? "-"
    var byLink = "-"
    if let name = file.debugLinkName(),
      let found = ELFFile.debugLinkCandidates(module: path, name: name).first(where: { access($0, F_OK) == 0 })
    {
      byLink = fileIdentity(found) ?? "-"
    }
    return "\(byBuildID)\t\(byLink)"
  }

  /// Writes `module` if it changed, whole, beside its old file first.
  func save(_ module: Module) {
    guard module.changed else { return }
    if !module.existed {
      guard Self.makeFolders(folder) else { return }
      prune()
    }
    var text = Self.escaped(module.identity) + "\n"
    for (offset, frames) in module.frames.sorted(by: { $0.key < $1.key }) {
      text += String(offset, radix: 16)
      for frame in frames {
        text +=
          "\t" + Self.field(frame.function) + "\t" + Self.field(frame.file) + "\t"
          + (frame.line.map(String.init) ?? "") + "\t" + (frame.isInlined ? "1" : "0")
      }
      text += "\n"
    }
    // A name of its own for each save: two threads (or reports) saving one module at once must
    // never write into the same file, or one rename could publish the other's half-written text.
    let aside = "\(module.path).\(getpid()).\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp"
    let file = open(aside, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard file >= 0 else { return }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
    close(file)
    if written == bytes.count {
      rename(aside, module.path)
    } else {
      unlink(aside)
    }
  }

  /// Removes the oldest files while there are more than ``maximumModules``.
  private func prune() {
    guard let directory = opendir(folder) else { return }
    var files: [(path: String, time: Int)] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      guard name.hasSuffix(".txt") else { continue }
      var status = stat()
      let path = "\(folder)/\(name)"
      if stat(path, &status) == 0 { files.append((path, status.st_mtim.tv_sec)) }
    }
    closedir(directory)
    guard files.count >= Self.maximumModules else { return }
    for file in files.sorted(by: { $0.time < $1.time }).prefix(files.count - Self.maximumModules + 1) {
      unlink(file.path)
    }
  }

  /// `path device inode size seconds.nanoseconds` of a regular file (after links), nil otherwise.
  static func fileIdentity(_ path: String) -> String? {
    var status = stat()
    guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
    return
      "\(path)\t\(status.st_dev)\t\(status.st_ino)\t\(status.st_size)\t\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
  }

  private static func makeFolders(_ path: String) -> Bool {
    var status = stat()
    if stat(path, &status) == 0 { return (status.st_mode & S_IFMT) == S_IFDIR }
    var partial = ""
    for component in path.split(separator: "/") {
      partial += "/" + component
      if mkdir(partial, 0o700) != 0 && errno != EEXIST { return false }
    }
    return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
  }

  private static func contents(of path: String) -> [UInt8]? {
    let file = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard file >= 0 else { return nil }
    defer { close(file) }
    var status = stat()
    guard fstat(file, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size < 64 << 20 else {
      return nil
    }
    var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
    let got = bytes.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
    return got == bytes.count ? bytes : nil
  }

  /// A present string is `=` and its text, tabs, newlines and backslashes escaped; nil is empty.
  private static func field(_ text: String?) -> String {
    text.map { "=" + escaped($0) } ?? ""
  }

  private static func optional(_ field: ArraySlice<UInt8>) -> String? {
    guard field.first == UInt8(ascii: "=") else { return nil }
    return unescaped(field.dropFirst())
  }

  static func escaped(_ text: String) -> String {
    guard
      text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") })
    else { return text }
    var result = ""
    for character in text.unicodeScalars {
      switch character {
      case "\\": result += "\\\\"
      case "\t": result += "\\t"
      case "\n": result += "\\n"
      default: result.unicodeScalars.append(character)
      }
    }
    return result
  }

  private static func unescaped(_ bytes: ArraySlice<UInt8>) -> String {
    guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
    var result: [UInt8] = []
    var escaping = false
    for byte in bytes {
      if escaping {
        result.append(
          byte == UInt8(ascii: "t") ? UInt8(ascii: "\t") : byte == UInt8(ascii: "n") ? UInt8(ascii: "\n") : byte)
        escaping = false
      } else if byte == UInt8(ascii: "\\") {
        escaping = true
      } else {
        result.append(byte)
      }
    }
    return String(decoding: result, as: UTF8.self)
  }

  /// 128 bits of FNV-1a (two 64-bit hashes, one over the text reversed), as hex.
  static func hexHash(_ text: String) -> String {
    func fnv(_ bytes: some Sequence<UInt8>) -> UInt64 {
      var hash: UInt64 = 0xcbf2_9ce4_8422_2325
      for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
      }
      return hash
    }
    let bytes = Array(text.utf8)
    let parts = [fnv(bytes), fnv(bytes.reversed())]
    return parts.map { String(repeating: "0", count: 16 - String($0, radix: 16).count) + String($0, radix: 16) }
      .joined()
  }
}
