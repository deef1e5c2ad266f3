#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Address space reserved once, of which the first bytes, as many as asked, are readable and
/// writable: a table in it grows where it is, and the kernel hands out its new pages zeroed when
/// they are first written. Behind ``LiveBlockTable``'s slots and ``PerStackTable``'s places.
///
/// The memory starts on a 2 MiB boundary and lies in 2 MiB pages past its first 2 MiB (the
/// machine's THP setting is `madvise`): a large table takes 512 times fewer page faults and misses
/// the TLB far less often, while a small one does not zero 2 MiB.
///
/// A plain value: its owner calls ``release()`` exactly once, when it drops it.
struct ReservedMemory {
  /// The mapping as `mmap` returned it, for `munmap`.
  private let mapping: UnsafeMutableRawPointer
  private let mappingBytes: Int
  /// The first byte: the mapping's first 2 MiB boundary.
  let base: UnsafeMutableRawPointer
  /// Bytes of address space reserved from `base`.
  let reservedBytes: Int
  /// Bytes from `base` made readable and writable.
  private(set) var writableBytes = 0

  /// Huge pages are 2 MiB on x86-64 (and arm64 with 4 KiB pages).
  static var hugePageBytes: Int { 2 << 20 }

  /// Reserves `bytes` of address space, or half as much again and again while the system refuses
  /// (a limit on address space) down to `minimumBytes`; nil when not even that is given. It costs
  /// no memory until ``makeWritable(bytes:step:)``.
  init?(bytes: Int, minimumBytes: Int) {
    var wanted = bytes
    var mapping = Self.reserve(wanted + Self.hugePageBytes)
    while mapping == nil && wanted / 2 >= minimumBytes {
      wanted /= 2
      mapping = Self.reserve(wanted + Self.hugePageBytes)
    }
    guard let mapping else { return nil }
    self.mapping = mapping
    mappingBytes = wanted + Self.hugePageBytes
    let boundary = (Int(bitPattern: mapping) + Self.hugePageBytes - 1) / Self.hugePageBytes * Self.hugePageBytes
    base = UnsafeMutableRawPointer(bitPattern: boundary).unsafelyUnwrapped
    reservedBytes = wanted
    if wanted > Self.hugePageBytes {
      _ = madvise(base + Self.hugePageBytes, wanted - Self.hugePageBytes, MADV_HUGEPAGE)
    }
  }

  /// Makes the first `bytes` (at most ``reservedBytes``) readable and writable, `step` bytes at
  /// least at a time (fewer `mprotect` calls; a multiple of the page size); bytes never written
  /// read as zero. With `populate`, the new pages are made present and writable at once, for an
  /// owner about to write them all: one call instead of a page fault per page, or two where a
  /// place is read before it is first written (a per-stack total's `+=`). False when the system
  /// refuses the memory.
  mutating func makeWritable(bytes: Int, step: Int, populate: Bool = false) -> Bool {
    guard bytes > writableBytes else { return true }
    let target = min(reservedBytes, (max(bytes, writableBytes + step) + step - 1) / step * step)
    guard mprotect(base + writableBytes, target - writableBytes, PROT_READ | PROT_WRITE) == 0 else { return false }
    // A kernel without it (before Linux 5.14) refuses the advice: the pages then fault in one by one.
    if populate { _ = madvise(base + writableBytes, target - writableBytes, Self.populateWrite) }
    writableBytes = target
    return true
  }

  /// `MADV_POPULATE_WRITE` (Linux 5.14), which the C library's headers may not name yet.
  private static var populateWrite: Int32 { 23 }

  /// Gives the address space back; nothing in it may be used after.
  func release() { munmap(mapping, mappingBytes) }

  private static func reserve(_ bytes: Int) -> UnsafeMutableRawPointer? {
    // Address space only: PROT_NONE and MAP_NORESERVE commit no memory until `makeWritable`.
    guard let address = mmap(nil, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
      address != MAP_FAILED
    else { return nil }
    return address
  }
}
