/// A table of plain values indexed by stack node, every place starting as zero bytes, in memory
/// that grows where it is and is zeroed by the kernel.
///
/// The per-stack figures of the analysis (bytes and blocks alive per stack, allocated per stack,
/// temporaries per stack) ask for one more place at almost every event of a program that keeps
/// making new stacks: a recursive tree has two million. In an `Array`, growing meant copying the
/// table to a new buffer, filling the new places one by one, faulting in the new buffer's pages
/// and unmapping the old one: 16 % of `stats` on a depth-20 tree. Here the table reserves address
/// space once (no memory), makes more of it writable as it grows, and lets the kernel hand out
/// zeroed pages when they are first written, in 2 MiB pages past the first 2 MiB. Nothing is
/// copied unless the reservation runs out (the table then moves to one twice as large) or the
/// table is shared (a copy of a profiler changed: copy on write, as `Array`).
///
/// `Element` must be a type whose all-zero bytes are its empty value (integers, and records of
/// them): new places read as zero.
struct PerStackTable<Element: BitwiseCopyable> {
  /// The memory, shared between copies of the table until one of them changes; nil while empty.
  private var storage: PerStackStorage?

  /// An empty table (it reserves nothing until a place is asked for).
  init() {}

  /// One more than the highest index made valid (``ensureIndex(_:)``); every place below it is valid.
  var count: Int { storage?.count ?? 0 }

  /// The value at `index`, which must be below ``count``.
  @inline(__always)
  subscript(index: Int) -> Element {
    storage.unsafelyUnwrapped.base.load(fromByteOffset: index * MemoryLayout<Element>.stride, as: Element.self)
  }

  /// Makes `index` a valid index; new places read as zero.
  @inline(__always)
  mutating func ensureIndex(_ index: Int) {
    if isKnownUniquelyReferenced(&storage) && index < storage.unsafelyUnwrapped.count { return }
    makeRoom(index)
  }

  /// The place at `index`, made valid, for changing in place. The pointer is good until the next
  /// change to the table; do not keep it.
  @inline(__always)
  mutating func place(_ index: Int) -> UnsafeMutablePointer<Element> {
    ensureIndex(index)
    return (storage.unsafelyUnwrapped.base + index * MemoryLayout<Element>.stride).bindMemory(
      to: Element.self, capacity: 1)
  }

  @inline(never)
  private mutating func makeRoom(_ index: Int) {
    // Asked before anything else holds the storage: a second reference would make it shared.
    let unique = isKnownUniquelyReferenced(&storage)
    if let current = storage {
      if !unique || !current.fits(index) { storage = current.copy(roomFor: index) }
    } else {
      storage = PerStackStorage(
        minimumBytes: (index + 1) * MemoryLayout<Element>.stride, stride: MemoryLayout<Element>.stride)
    }
    storage.unsafelyUnwrapped.extend(toInclude: index)
  }
}

/// The memory behind a table: a reservation of address space whose first bytes, as many as the
/// table needs, are readable and writable.
///
/// Not generic, so that a debug build finds its metadata without a lookup per access (a generic
/// class nested in the table cost a third of a debug `workshop check`'s analysis).
///
/// `@unchecked Sendable`: a storage is changed only through a table that holds the only
/// reference to it (a shared one is copied first), as `Array`'s buffer is. For the same reason its
/// changing properties skip the runtime's exclusivity checks: a new stack changes ``count`` (a
/// tree makes two million), and the checks were 3 % of `workshop flamegraph` on such a tree.
final class PerStackStorage: @unchecked Sendable {
  /// The address space the places live in.
  @exclusivity(unchecked) private var memory: ReservedMemory
  /// The start of the places (``ReservedMemory/base``, kept here for the hot path).
  let base: UnsafeMutableRawPointer
  /// Bytes per place.
  private let stride: Int
  /// The table's element count.
  @exclusivity(unchecked) fileprivate private(set) var count = 0

  /// The address space a table reserves at first: room for a hundred million stacks of 40
  /// bytes. It costs no memory (nothing is committed until it is made writable); a table that
  /// outgrows it moves to a reservation twice as large.
  private static var defaultReservation: Int { 4 << 30 }
  /// Writable bytes are added at least this many at a time (fewer `mprotect` calls). Not a huge
  /// page: the writable part ending mid-way through one, its pages are 4 KiB ones, which the
  /// kernel hands out from memory freed recently. Whole huge pages (a 2 MiB step) come from memory
  /// the virtual machine never touched, zeroed far more slowly: `stats` of a depth-20 tree took
  /// 1.58 s of CPU instead of 1.20 (medians of 7, session 9).
  private static var commitStep: Int { 1 << 20 }

  /// A storage of places of `stride` bytes with address space reserved for at least `minimumBytes`.
  init(minimumBytes: Int, stride: Int) {
    self.stride = stride
    let huge = ReservedMemory.hugePageBytes
    // A smaller reservation if the system refuses a large one (a limit on address space).
    guard
      let memory = ReservedMemory(
        bytes: Swift.max(Self.defaultReservation, Self.roundedUp(minimumBytes, to: huge)),
        minimumBytes: Swift.max(minimumBytes, huge))
    else {
      fatalError("no address space for \(minimumBytes) bytes of per-stack figures (mmap failed)")
    }
    self.memory = memory
    base = memory.base
  }

  deinit { memory.release() }

  /// Whether places up to `index` fit the reservation.
  fileprivate func fits(_ index: Int) -> Bool { (index + 1) * stride <= memory.reservedBytes }

  /// Makes places up to `index` valid (they must fit).
  fileprivate func extend(toInclude index: Int) {
    guard index >= count else { return }
    let neededBytes = (index + 1) * stride
    // Places are taken in order (a new stack takes the next node number): every page made
    // writable here is about to be written.
    guard memory.makeWritable(bytes: neededBytes, step: Self.commitStep, populate: true) else {
      fatalError("no memory for \(neededBytes) bytes of per-stack figures (mprotect failed)")
    }
    count = index + 1
  }

  /// A storage of its own with the same values, with room for places up to `index`.
  fileprivate func copy(roomFor index: Int) -> PerStackStorage {
    let neededBytes = (Swift.max(count - 1, index) + 1) * stride
    let made = PerStackStorage(
      minimumBytes: neededBytes > memory.reservedBytes ? Swift.max(neededBytes, memory.reservedBytes * 2) : 0,
      stride: stride)
    if count > 0 {
      made.extend(toInclude: count - 1)
      made.base.copyMemory(from: base, byteCount: count * stride)
    }
    return made
  }

  private static func roundedUp(_ value: Int, to step: Int) -> Int { (value + step - 1) / step * step }
}
