// Names addresses of a module without debug information from its ELF symbol table, in this process.
#if canImport(Glibc)
  import Glibc
#endif

/// The function names of a module that has no debug information anywhere llvm-symbolizer looks,
/// read from the module's own ELF symbol table the way llvm-symbolizer reads it, without starting it.
///
/// Why: such a module (the Swift runtime as the toolchain ships it, a Debian program or library
/// whose debug package is not installed) gets from the symbolizer only what its symbol table says,
/// but the symbolizer reads, sorts and keeps every symbol before its first answer: the Swift
/// runtime's 37,000 cost it about 25 ms of CPU, a third of a cold report of a small Swift program,
/// and every report of a program whose modules are all like that started a process for it. One pass
/// over the mapped table, comparing each symbol with the few addresses a report asks, gives the
/// same answers in about a millisecond.
///
/// The rules are llvm-symbolizer's (LLVM 21, `SymbolizableObjectFile`), so that a report names a
/// frame the same whichever answers it:
/// - the table is `.symtab`, or `.dynsym` when there is no `.symtab`;
/// - a symbol counts when it is in a section of the file and of type NOTYPE, OBJECT, FUNC or IFUNC;
/// - an address belongs to the counted symbol with the greatest start not after it (of several
///   with that start, the largest size, then the last in the table), unless that symbol has a
///   size and ends at or before the address;
/// - a local symbol's file is the name of the last `STT_FILE` symbol before it in the table.
///
/// Only 64-bit little-endian x86-64 shared objects and executables are read; anything else, or any
/// inconsistency, leaves the module to the symbolizer (``names(in:at:)`` returns nil).
enum ELFSymbolTable {
  /// What the symbol table says of one address: the symbol's linkage name and, for a local symbol,
  /// its source file.
  struct Named: Equatable {
    var name: String
    var file: String?
  }

  private static let symbolSize = 24
  private static let symbolTableType: UInt32 = 2  // SHT_SYMTAB
  private static let dynamicSymbolTableType: UInt32 = 11  // SHT_DYNSYM

  /// The names of `offsets` (file addresses, looked up as given) in the module at `path`, nil for
  /// an address no symbol covers; nil altogether when the module is not one read here: it has
  /// debug information (its own `.debug_*` sections, a `.gnu_debuglink` file or a build-ID file
  /// that llvm-symbolizer would find), or is no ELF file this reader understands.
  ///
  /// - Complexity: O(symbols × log(offsets)) plus, per symbol, the addresses it is nearer to.
  static func names(in path: String, at offsets: [UInt64]) -> [Named?]? {
    guard let file = ELFFile(path), file.isSharedObjectOrExecutable, file.machine == 62 else { return nil }
    // Any debug information, or a separate file llvm-symbolizer could take it from, is the symbolizer's.
    if file.sections.contains(where: { $0.name.hasPrefix(".debug_") || $0.name.hasPrefix(".zdebug_") }) {
      return nil
    }
    if file.section(named: ".gnu_debuglink") != nil {
      guard let name = file.debugLinkName(),
        !ELFFile.debugLinkCandidates(module: path, name: name).contains(where: { access($0, F_OK) == 0 })
      else { return nil }
    }
    if let buildID = file.buildID(), ELFFile.buildIDFile(buildID) != nil { return nil }
    // The first `.symtab` unless it has no symbol past the null one, then `.dynsym` (llvm's
    // computeSymbolSizes: its symbol list starts at index 1).
    let symbolTable = file.sections.first(where: { $0.type == symbolTableType })
    let table =
      symbolTable.flatMap { $0.size >= 2 * UInt64(symbolSize) ? $0 : nil }
      ?? file.sections.first(where: { $0.type == dynamicSymbolTableType })
    guard let table else { return offsets.map { _ in nil } }
    // llvm-symbolizer fails on a table whose entries are not symbols, or whose strings do not end.
    guard table.entrySize == UInt64(symbolSize), Int(table.link) < file.sections.count,
      let symbols = file.contents(of: table),
      let strings = file.contents(of: file.sections[Int(table.link)]), strings.last == 0
    else { return nil }
    // Symbols of sections not in memory (no SHF_ALLOC) name nothing, as in llvm's symbolizer.
    let inMemory = file.sections.map { $0.flags & 2 != 0 }
    return symbols.withUnsafeBytes { symbols in
      strings.withUnsafeBufferPointer { strings in
        lookUp(offsets, table: symbols, strings: strings, sectionsInMemory: inMemory)
      }
    }
  }

  /// One symbol the lookup keeps.
  private struct Candidate {
    var address: UInt64
    var size: UInt64
    var index: Int
    var nameOffset: Int
  }

  /// The best symbol of each offset in one pass over `table`, then their names.
  private static func lookUp(
    _ offsets: [UInt64], table buffer: UnsafeRawBufferPointer, strings: UnsafeBufferPointer<UInt8>,
    sectionsInMemory: [Bool]
  ) -> [Named?]? {
    let order = offsets.indices.sorted { offsets[$0] < offsets[$1] }
    let sorted = order.map { offsets[$0] }
    var best = [Candidate?](repeating: nil, count: sorted.count)
    var fileSymbols: [(index: Int, nameOffset: Int)] = []
    let count = buffer.count / symbolSize
    for index in 0..<count {
      let entry = index * symbolSize
      let nameOffset = Int(buffer.loadUnaligned(fromByteOffset: entry, as: UInt32.self).littleEndian)
      let info = buffer[entry + 4]
      let sectionIndex = Int(buffer.loadUnaligned(fromByteOffset: entry + 6, as: UInt16.self).littleEndian)
      let type = info & 0xF
      // llvm-symbolizer reads every symbol's name first, and fails on the module if one is outside the table.
      guard nameOffset < strings.count else { return nil }
      // SHN_UNDEF and the reserved indices (ABS, COMMON, …) are in no section of the file.
      if sectionIndex == 0 || sectionIndex >= 0xFF00 {
        if sectionIndex == 0xFFFF { return nil }  // SHN_XINDEX: an extended index this reader does not follow
        if type == 4 && index != 0 { fileSymbols.append((index, nameOffset)) }  // STT_FILE
        continue
      }
      guard sectionIndex < sectionsInMemory.count else { return nil }
      guard type == 0 || type == 1 || type == 2 || type == 10, sectionsInMemory[sectionIndex] else { continue }
      let address = buffer.loadUnaligned(fromByteOffset: entry + 8, as: UInt64.self).littleEndian
      let size = buffer.loadUnaligned(fromByteOffset: entry + 16, as: UInt64.self).littleEndian
      // Every offset at or after the symbol's start, until one that a later-starting symbol owns.
      var position = lowerBound(sorted, address)
      let isLocal = info >> 4 == 0
      let candidate = Candidate(address: address, size: size, index: isLocal ? index : 0, nameOffset: nameOffset)
      while position < sorted.count {
        if let current = best[position] {
          if current.address > address || (current.address == address && current.size > size) { break }
        }
        best[position] = candidate
        position += 1
      }
    }
    var result = [Named?](repeating: nil, count: offsets.count)
    for (position, offset) in sorted.enumerated() {
      guard let symbol = best[position], symbol.size == 0 || symbol.address &+ symbol.size > offset else { continue }
      var file: String?
      if symbol.index != 0, let last = fileSymbols.last(where: { $0.index < symbol.index }) {
        file = string(in: strings, at: last.nameOffset)
      }
      result[order[position]] = Named(name: string(in: strings, at: symbol.nameOffset) ?? "", file: file)
    }
    return result
  }

  /// The first position of `sorted` whose value is at least `value`.
  private static func lowerBound(_ sorted: [UInt64], _ value: UInt64) -> Int {
    var low = 0
    var high = sorted.count
    while low < high {
      let middle = (low + high) / 2
      if sorted[middle] < value { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// The NUL-terminated string at `offset` of a string table.
  private static func string(in strings: UnsafeBufferPointer<UInt8>, at offset: Int) -> String? {
    guard offset >= 0, offset < strings.count else { return nil }
    var end = offset
    while end < strings.count && strings[end] != 0 { end += 1 }
    return String(decoding: UnsafeBufferPointer(rebasing: strings[offset..<end]), as: UTF8.self)
  }
}
