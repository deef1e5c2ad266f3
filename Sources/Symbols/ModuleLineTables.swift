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
    guard let file = ELFFile(path) else { return true }
    if file.sections.contains(where: {
      $0.name.hasPrefix(".debug_line") || $0.name.hasPrefix(".zdebug_line") || $0.name == ".gnu_debuglink"
    }) {
      return true
    }
    return file.buildID().flatMap(ELFFile.buildIDFile) != nil
  }

  /// The separate debug file that the module's build ID names under /usr/lib/debug/.build-id,
  /// if there is one (libc6-dbg's for the C library).
  static func separateDebugFile(_ path: String) -> String? {
    ELFFile(path)?.buildID().flatMap(ELFFile.buildIDFile)
  }
}
