// The section headers of a module's ELF file, and where llvm-symbolizer looks for its debug information.
#if canImport(Glibc)
  import Glibc
#endif

/// A 64-bit little-endian ELF file open for reading: its type, machine and sections.
///
/// Read with `pread`, not mapped: a module rebuilt while a report reads it then gives a short read
/// (nil here), where a mapping would fault. Non-blocking and regular files only, so that a FIFO a
/// capture names as a module never makes a report wait.
final class ELFFile {
  /// One section header, with its name.
  struct Section {
    var name: String
    var type: UInt32
    var offset: UInt64
    var size: UInt64
    /// `sh_link`: for a symbol table, the index of its string table.
    var link: UInt32
    /// `sh_flags` (`SHF_ALLOC`, 2: the section is in memory when the program runs).
    var flags: UInt64 = 0
    /// `sh_entsize`: for a symbol table, the size of one symbol.
    var entrySize: UInt64 = 0
  }

  /// `e_type`: 2 for an executable, 3 for a shared object or position-independent executable.
  let type: UInt16
  /// `e_machine`: 62 for x86-64.
  let machine: UInt16
  /// Every section, in header order (so that an index from `sh_link` finds its section).
  let sections: [Section]
  private let descriptor: Int32
  /// The file's size: nothing past it is read (or allocated for).
  private let fileSize: UInt64

  /// The file at `path`; nil when it cannot be opened, is no regular file or no 64-bit
  /// little-endian ELF file, or its section headers are inconsistent.
  init?(_ path: String) {
    descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { return nil }
    var status = stat()
    guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
      let header = Self.read(descriptor, at: 0, count: 64),
      header[0] == 0x7F, header[1] == UInt8(ascii: "E"), header[2] == UInt8(ascii: "L"), header[3] == UInt8(ascii: "F"),
      header[4] == 2, header[5] == 1  // ELFCLASS64, little-endian
    else {
      close(descriptor)
      return nil
    }
    fileSize = UInt64(status.st_size)
    type = UInt16(Self.integer(header, at: 0x10, size: 2))
    machine = UInt16(Self.integer(header, at: 0x12, size: 2))
    let tableOffset = Self.integer(header, at: 0x28, size: 8)
    let entrySize = Self.integer(header, at: 0x3A, size: 2)
    let count = Self.integer(header, at: 0x3C, size: 2)
    let namesIndex = Self.integer(header, at: 0x3E, size: 2)
    // 64 bytes, as llvm-symbolizer requires too; the table must lie within the file before any
    // memory is taken for it.
    guard entrySize == 64, count > 0, count < 1 << 16, namesIndex < count,
      Self.lies(at: tableOffset, size: entrySize * count, within: fileSize),
      let table = Self.read(descriptor, at: tableOffset, count: Int(entrySize * count))
    else {
      close(descriptor)
      return nil
    }
    func entry(_ index: UInt64) -> Section {
      let base = Int(index * entrySize)
      return Section(
        name: "", type: UInt32(Self.integer(table, at: base + 4, size: 4)),
        offset: Self.integer(table, at: base + 0x18, size: 8), size: Self.integer(table, at: base + 0x20, size: 8),
        link: UInt32(Self.integer(table, at: base + 0x28, size: 4)),
        flags: Self.integer(table, at: base + 0x08, size: 8), entrySize: Self.integer(table, at: base + 0x38, size: 8))
    }
    let namesEntry = entry(namesIndex)
    guard namesEntry.size < 16 << 20, Self.lies(at: namesEntry.offset, size: namesEntry.size, within: fileSize),
      let names = Self.read(descriptor, at: namesEntry.offset, count: Int(namesEntry.size))
    else {
      close(descriptor)
      return nil
    }
    let nameOffsets = (0..<count).map {
      Int(min(Self.integer(table, at: Int($0 * entrySize), size: 4), UInt64(names.count)))
    }
    sections = (0..<count).map { index in
      var section = entry(index)
      let start = nameOffsets[Int(index)]
      var end = start
      while end < names.count && names[end] != 0 { end += 1 }
      section.name = String(decoding: names[start..<end], as: UTF8.self)
      return section
    }
  }

  deinit { close(descriptor) }

  /// Whether the file is an executable or a shared object (what a capture's modules are).
  var isSharedObjectOrExecutable: Bool { type == 2 || type == 3 }

  /// The first section named `name`.
  func section(named name: String) -> Section? { sections.first { $0.name == name } }

  /// The bytes of `section`, nil when they are not all in the file or more than `limit`.
  func contents(of section: Section, limit: UInt64 = 256 << 20) -> [UInt8]? {
    guard section.size <= limit, Self.lies(at: section.offset, size: section.size, within: fileSize) else {
      return nil
    }
    return Self.read(descriptor, at: section.offset, count: Int(section.size))
  }

  /// The build ID in the `.note.gnu.build-id` section, if any.
  func buildID() -> [UInt8]? {
    guard let note = section(named: ".note.gnu.build-id"), note.size >= 16, let bytes = contents(of: note, limit: 4096)
    else { return nil }
    let nameSize = Int(Self.integer(bytes, at: 0, size: 4))
    let descriptorSize = Int(Self.integer(bytes, at: 4, size: 4))
    let start = 12 + (nameSize + 3) / 4 * 4
    guard descriptorSize > 0, start + descriptorSize <= bytes.count else { return nil }
    return Array(bytes[start..<start + descriptorSize])
  }

  /// The file name `.gnu_debuglink` names, if the section is there.
  func debugLinkName() -> String? {
    guard let link = section(named: ".gnu_debuglink"), let bytes = contents(of: link, limit: 4096) else { return nil }
    return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
  }

  /// The separate debug file that a build ID names under /usr/lib/debug/.build-id, if it exists
  /// (libc6-dbg's for the C library).
  static func buildIDFile(_ buildID: [UInt8]) -> String? {
    guard !buildID.isEmpty else { return nil }
    let hex = buildID.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
    let separate = "/usr/lib/debug/.build-id/\(hex[0])/\(hex.dropFirst().joined()).debug"
    return access(separate, F_OK) == 0 ? separate : nil
  }

  /// Where llvm-symbolizer looks for the file a module's `.gnu_debuglink` names: beside the module,
  /// in `.debug` beside it, and under /usr/lib/debug followed by the module's folder; for the path
  /// as given and, when links lead elsewhere, for the real one.
  static func debugLinkCandidates(module: String, name: String) -> [String] {
    var folders = [folder(of: module)]
    if let real = realpath(module, nil) {
      folders.append(folder(of: String(cString: real)))
      free(real)
    }
    return folders.flatMap { folder in
      [
        "\(folder)/\(name)", "\(folder)/.debug/\(name)",
        "/usr/lib/debug\(folder.hasPrefix("/") ? "" : "/")\(folder)/\(name)",
      ]
    }
  }

  private static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "" : String(path[..<slash])
  }

  /// Whether `size` bytes from `offset` are all within a file of `fileSize` bytes.
  private static func lies(at offset: UInt64, size: UInt64, within fileSize: UInt64) -> Bool {
    offset <= fileSize && size <= fileSize - offset
  }

  private static func read(_ file: Int32, at offset: UInt64, count: Int) -> [UInt8]? {
    guard count >= 0, offset < UInt64(Int64.max) else { return nil }
    var bytes = [UInt8](repeating: 0, count: count)
    let got = bytes.withUnsafeMutableBytes { pread(file, $0.baseAddress, count, off_t(offset)) }
    return got == count ? bytes : nil
  }

  /// The little-endian integer of `size` bytes at `offset`.
  static func integer(_ bytes: [UInt8], at offset: Int, size: Int) -> UInt64 {
    var value: UInt64 = 0
    for index in (0..<size).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
    return value
  }
}
