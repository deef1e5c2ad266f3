#if canImport(Glibc)
  import Glibc
#endif

/// How a report command's process takes memory from the C library's allocator.
///
/// A report builds arrays of millions of elements one after another (the live blocks' ranking,
/// the tree's numbering of two million stack nodes, its per-node sums), and drops most of them
/// soon after. Past 128 KiB (up to 32 MiB as it adapts) glibc maps each such array fresh and
/// unmaps it when freed, so the next one faults in its pages again, 4 KiB at a time. Kept in the
/// heap instead, freed arrays leave their pages in place for the next ones.
enum ReportMemory {
  /// Keeps arrays up to 32 MiB (glibc's largest threshold) in the heap, and the heap's freed top
  /// in the process: call once, first thing, in a command that ends when its report is written.
  static func keepFreedPages() {
    #if canImport(Glibc)
      // `mallopt` is declared in <malloc.h>, which the Glibc module leaves out: looked up by name.
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
      let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
      // glibc's parameter numbers: M_TRIM_THRESHOLD -1, M_TOP_PAD -2, M_MMAP_THRESHOLD -3.
      _ = mallopt(-3, 32 << 20)
      _ = mallopt(-1, Int32.max)
      _ = mallopt(-2, 16 << 20)
    #endif
  }
}
