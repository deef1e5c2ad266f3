// Tells whether llvm-symbolizer could find a line table for a module, from its ELF headers alone.
#if canImport(Glibc)
  import Glibc
#endif

/// Whether a module can have line information anywhere llvm-symbolizer looks: in its own
/// `.debug_line`, or in a separate debug file it names (`.gnu_debuglink`) or that its build ID
/// names under /usr/lib/debug/.build-id.
///
/// Why: the search for the line of code before a line-0 frame (``LLVMSymbolizer``) asks up to a
/// thousand addresses per frame, and for a module without any line table (the Swift runtime as the
/// toolchain ships it names functions from its symbol table, with the object file as "file") every
/// answer is line 0: that search cannot find anything, so it is skipped, with the same result.
/// Whatever cannot be read as a 64-bit little-endian ELF file counts as having lines (the search
/// then runs as before).
enum ModuleLineTables {
  /// False only when the module surely has no line table.
  static func mayHaveLines(_ path: String) -> Bool {
    // Non-blocking, and regular files only: opening a FIFO named as a module must not wait.
    let file = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard file >= 0 else { return true }
    defer { close(file) }
    var status = stat()
    guard fstat(file, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return true }
    guard let names = sections(file)?.map(\.name) else { return true }
    if names.contains(where: { $0.hasPrefix(".debug_line") || $0.hasPrefix(".zdebug_line") || $0 == ".gnu_debuglink" })
    {
      return true
    }
    return separateDebugFile(file) != nil
  }

  /// The separate debug file that the module's build ID names under /usr/lib/debug/.build-id,
  /// if there is one (libc6-dbg's for the C library).
  static func separateDebugFile(_ path: String) -> String? {
    let file = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard file >= 0 else { return nil }
    defer { close(file) }
    var status = stat()
    guard fstat(file, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
    return separateDebugFile(file)
  }

  private static func separateDebugFile(_ file: Int32) -> String? {
    guard let buildID = buildID(file), !buildID.isEmpty else { return nil }
    let hex = buildID.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
    let separate = "/usr/lib/debug/.build-id/\(hex[0])/\(hex.dropFirst().joined()).debug"
    return access(separate, F_OK) == 0 ? separate : nil
  }

  private struct Section {
    var name: String
    var offset: UInt64
    var size: UInt64
  }

  /// The sections of a 64-bit little-endian ELF file, nil when it is not one.
  private static func sections(_ file: Int32) -> [Section]? {
    guard let header = read(file, at: 0, count: 64), header.count == 64,
      header[0] == 0x7F, header[1] == UInt8(ascii: "E"), header[2] == UInt8(ascii: "L"), header[3] == UInt8(ascii: "F"),
      header[4] == 2, header[5] == 1  // ELFCLASS64, little-endian
    else { return nil }
    let tableOffset = integer(header, at: 0x28, size: 8)
    let entrySize = integer(header, at: 0x3A, size: 2)
    let count = integer(header, at: 0x3C, size: 2)
    let namesIndex = integer(header, at: 0x3E, size: 2)
    guard entrySize >= 64, count > 0, count < 1 << 16, namesIndex < count,
      let table = read(file, at: tableOffset, count: Int(entrySize * count)), table.count == Int(entrySize * count)
    else { return nil }
    func entry(_ index: UInt64) -> (name: UInt64, offset: UInt64, size: UInt64) {
      let base = Int(index * entrySize)
      return (
        integer(table, at: base, size: 4), integer(table, at: base + 0x18, size: 8),
        integer(table, at: base + 0x20, size: 8)
      )
    }
    let namesEntry = entry(namesIndex)
    guard namesEntry.size < 16 << 20, let names = read(file, at: namesEntry.offset, count: Int(namesEntry.size)) else {
      return nil
    }
    return (0..<count).map { index in
      let section = entry(index)
      var end = Int(min(section.name, UInt64(names.count)))
      let start = end
      while end < names.count && names[end] != 0 { end += 1 }
      return Section(
        name: String(decoding: names[start..<end], as: UTF8.self), offset: section.offset, size: section.size)
    }
  }

  /// The build ID in the `.note.gnu.build-id` section, if any.
  private static func buildID(_ file: Int32) -> [UInt8]? {
    guard let note = sections(file)?.first(where: { $0.name == ".note.gnu.build-id" }), note.size >= 16,
      note.size < 4096, let bytes = read(file, at: note.offset, count: Int(note.size))
    else { return nil }
    let nameSize = Int(integer(bytes, at: 0, size: 4))
    let descriptorSize = Int(integer(bytes, at: 4, size: 4))
    let start = 12 + (nameSize + 3) / 4 * 4
    guard descriptorSize > 0, start + descriptorSize <= bytes.count else { return nil }
    return Array(bytes[start..<start + descriptorSize])
  }

  private static func read(_ file: Int32, at offset: UInt64, count: Int) -> [UInt8]? {
    guard count >= 0, offset < UInt64(Int64.max) else { return nil }
    var bytes = [UInt8](repeating: 0, count: count)
    let got = bytes.withUnsafeMutableBytes { pread(file, $0.baseAddress, count, off_t(offset)) }
    return got == count ? bytes : nil
  }

  private static func integer(_ bytes: [UInt8], at offset: Int, size: Int) -> UInt64 {
    var value: UInt64 = 0
    for index in (0..<size).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
    return value
  }
}
