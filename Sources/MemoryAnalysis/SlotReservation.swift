#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Address space reserved for a ``LiveBlockTable``'s slots, of which the first ones are readable
/// and writable: the table doubles where it is, and the kernel hands out the new slots' pages
/// zeroed (an empty slot is all zero bytes) when they are first written.
///
/// A plain value: the table that holds it calls ``release()`` exactly once, when it drops it.
struct SlotReservation {
  /// The mapping as `mmap` returned it, for `munmap`.
  private let mapping: UnsafeMutableRawPointer
  private let mappingBytes: Int
  /// The first slot: the mapping's first 2 MiB boundary.
  let base: UnsafeMutableRawPointer
  /// Bytes of address space reserved from `base`.
  private let reservedBytes: Int
  /// Bytes per slot.
  private let stride: Int
  /// Bytes from `base` made readable and writable: whole pages.
  private var writableBytes = 0

  /// Reserves room for `slots` slots of `stride` bytes, or for fewer (no fewer than `minimumSlots`)
  /// when the system refuses that much address space. It costs no memory until slots are made
  /// writable.
  init(slots: Int, minimumSlots: Int, stride: Int) {
    self.stride = stride
    var wanted = slots * stride
    var mapping = Self.reserve(wanted + Self.hugePageBytes)
    // A smaller reservation if the system refuses a large one (a limit on address space).
    while mapping == nil && wanted / 2 >= minimumSlots * stride {
      wanted /= 2
      mapping = Self.reserve(wanted + Self.hugePageBytes)
    }
    guard let mapping else {
      fatalError("no address space for \(minimumSlots) live blocks' slots of \(stride) bytes (mmap failed)")
    }
    self.mapping = mapping
    mappingBytes = wanted + Self.hugePageBytes
    let boundary = (Int(bitPattern: mapping) + Self.hugePageBytes - 1) / Self.hugePageBytes * Self.hugePageBytes
    base = UnsafeMutableRawPointer(bitPattern: boundary).unsafelyUnwrapped
    reservedBytes = wanted
    // Past the first 2 MiB the table is large and its blocks scattered: in 2 MiB pages an insert or
    // remove misses the TLB far less often, and each page is faulted in and zeroed once, as the
    // table grows in place. The first 2 MiB stay in small pages, so that a small table does not
    // zero 2 MiB.
    if wanted > Self.hugePageBytes {
      _ = madvise(base + Self.hugePageBytes, wanted - Self.hugePageBytes, MADV_HUGEPAGE)
    }
  }

  /// Huge pages are 2 MiB on x86-64 (and arm64 with 4 KiB pages).
  private static var hugePageBytes: Int { 2 << 20 }

  /// How many slots fit the reservation.
  var slotCapacity: Int { reservedBytes / stride }

  /// Makes the first `slots` slots readable and writable; slots not yet written read as zero.
  mutating func makeWritable(slots: Int) {
    let neededBytes = slots * stride
    guard neededBytes > writableBytes else { return }
    precondition(slots <= slotCapacity, "\(slots) slots do not fit a reservation of \(slotCapacity)")
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let target = min(reservedBytes, (neededBytes + page - 1) / page * page)
    guard mprotect(base + writableBytes, target - writableBytes, PROT_READ | PROT_WRITE) == 0 else {
      fatalError("no memory for \(slots) live blocks' slots of \(stride) bytes (mprotect failed)")
    }
    writableBytes = target
  }

  /// Gives the address space back; the slots must not be used after.
  func release() { munmap(mapping, mappingBytes) }

  private static func reserve(_ bytes: Int) -> UnsafeMutableRawPointer? {
    // Address space only: PROT_NONE and MAP_NORESERVE commit no memory until `makeWritable`.
    guard let address = mmap(nil, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
      address != MAP_FAILED
    else { return nil }
    return address
  }
}
