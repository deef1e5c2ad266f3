import CCacheHints

/// What the analysis remembers about a block that is allocated and not yet freed.
package struct LiveBlock: Sendable, Equatable {
  /// The size the program asked for.
  package var size: UInt64
  /// The index of the ALLOC event (among ALLOC and FREE events) that made it.
  package var serial: UInt64
  /// The stack node of the allocation.
  package var stack: UInt32
  /// The allocating thread, as an index into the profiler's thread list.
  package var thread: UInt32

  /// Creates a block.
  package init(size: UInt64, serial: UInt64, stack: UInt32, thread: UInt32) {
    self.size = size
    self.serial = serial
    self.stack = stack
    self.thread = thread
  }
}

/// The live blocks of a capture: an open-addressing hash map from address to ``LiveBlock``, or to
/// its size (and stack) alone.
///
/// Linear probing over one flat buffer of slots, each an address and what is kept of its block side
/// by side: 32 bytes with the whole ``LiveBlock``, 16 with its size alone (``Contents/sizes``: all a
/// profiler that keeps nothing per stack needs, ``MemoryProfiler/Detail/headline``, in half the
/// cache lines) or its size and stack packed in a word (``Contents/sizesAndStacks``: all a profiler
/// without regions needs). The slot's width is a value of the table, not a generic parameter: the tests run a
/// debug build, where generic code ran the analysis several times slower. A hash that keeps
/// neighbouring addresses in neighbouring slots (`home(of:shift:mask:granule:)`) and backward-shift
/// deletion mean there are no tombstones and lookups stay short after millions of frees. Address 0
/// (the empty-slot marker) is kept aside. Replaying the 10M alloc/free operations of the synthetic
/// benchmark capture, it runs at about 28 M operations/s against about 19 M/s for
/// `Dictionary<UInt64, LiveBlock>` (release build, see `BenchmarkTests`). The slots live in address
/// space reserved once (``ReservedMemory``, 2 MiB pages past the first 2 MiB) and double where they
/// are: `stats --json` of python's 300 k-entry dict 0.216 s of CPU to 0.159, of a depth-20 tree
/// 1.69 to 1.48 (session 8).
///
/// - Complexity: expected O(1) for ``insert(_:_:)``, ``remove(_:)`` and ``subscript(_:)``; O(*capacity*)
///   for ``forEach(_:)``.
package final class LiveBlockTable {
  /// What a table keeps of each block.
  package enum Contents: Sendable {
    /// The whole ``LiveBlock``.
    case blocks
    /// Its size alone: the blocks it gives back have serial, stack and thread 0.
    case sizes
    /// Its size and stack: the blocks it gives back have serial and thread 0. Packed into one word
    /// (the size's low 40 bits, the stack's 24 above) while every block's fit, so that a slot is
    /// 16 bytes like a table of sizes; the first block that does not fit widens the slots to 32.
    case sizesAndStacks
  }

  /// What this table keeps of each block.
  package let contents: Contents
  /// Whether `contents` is ``Contents/blocks``.
  private let keepsAll: Bool
  /// The log2 of the bytes of address each slot of a span stands for (`home(of:shift:mask:granule:)`):
  /// 6 (64-byte granules) for ``Contents/blocks``, 5 (32-byte ones) otherwise, chosen by `contents`
  /// and fixed for the table's life: a widened table keeps its 32-byte granules in 32-byte slots
  /// (a span's homes then cover more lines; rare, and no rehash is needed).
  private let granule: UInt64
  // Unchecked exclusivity like the slots below: a table of sizes and stacks widens its slots
  // (``widen()``) once a block does not fit the packed word.
  /// Whether a slot holds the whole ``LiveBlock`` (32 bytes) rather than a word (16).
  @exclusivity(unchecked) private var keepsBlocks: Bool
  /// Whether a slot's word packs the size and the stack (``Contents/sizesAndStacks``, not widened).
  @exclusivity(unchecked) private var packsStacks: Bool
  /// Bytes per slot: the address, then the block or its word.
  @exclusivity(unchecked) private var stride: Int
  /// Bytes per slot (16 or 32): a table of sizes and stacks widens to 32 for a block that does not
  /// pack.
  package var slotBytes: Int { stride }

  // Unchecked exclusivity: the runtime's dynamic check on each access to these properties cost
  // about a tenth of an insert or remove. A table belongs to one profiler on one thread (a shared
  // table is copied before it is changed), so no two accesses can overlap.
  @exclusivity(unchecked) private var slots: UnsafeMutableRawPointer
  @exclusivity(unchecked) private var slotCount: Int
  @exclusivity(unchecked) private var shift: UInt64
  @exclusivity(unchecked) private var zeroBlock: LiveBlock?
  /// The address space the slots live in: they grow in place until it is full.
  @exclusivity(unchecked) private var reservation: ReservedMemory
  /// The number of live blocks.
  @exclusivity(unchecked) package private(set) var count = 0
  /// Whether the slots outgrow a core's second-level cache (taken as 512 KiB), so that a slot
  /// asked for far from the last ones is likely a miss worth prefetching (``prefetch(_:)``).
  @exclusivity(unchecked) package private(set) var outgrowsCache = false

  /// Creates an empty table with room for about `capacity` blocks before it grows.
  ///
  /// Small by default (16 KB): a program that keeps few blocks alive at a time (the churn
  /// benchmarks keep 8 to 64) then finds its table in the first-level cache, where a 4 MB table
  /// missed the cache on most inserts; a large heap grows it by doubling, O(1) amortized.
  /// `reservedSlots` bounds how far the table grows in place before it moves (tests make it small).
  package init(capacity: Int = 1 << 8, contents: Contents = .blocks, reservedSlots: Int = 1 << 27) {
    self.contents = contents
    keepsBlocks = contents == .blocks
    keepsAll = keepsBlocks
    granule = keepsBlocks ? 6 : 5
    packsStacks = contents == .sizesAndStacks
    stride = keepsBlocks ? 8 + MemoryLayout<LiveBlock>.stride : 16
    assert(stride == 16 || stride == 32, "copySlot moves 16 or 32 bytes")
    var size = 16
    while size < capacity * 2 { size *= 2 }
    reservation = Self.reserve(slots: max(size, reservedSlots), minimumSlots: size, stride: stride)
    (slots, slotCount, shift) = (reservation.base, size, UInt64(64 - size.trailingZeroBitCount))
    outgrowsCache = slotCount * stride > 512 << 10
    makeWritable(slots: size)
  }

  deinit { reservation.release() }

  /// The first slot to probe for `address`: each 512-byte span of addresses gets a slot found by
  /// Fibonacci hashing, and the 64-byte granules of the span (32-byte ones in a table of 16-byte
  /// slots: `granule`, log2 of the granule) the slots after it. Blocks allocated
  /// one after another usually lie side by side, so their slots do too: a program that keeps
  /// hundreds of thousands of blocks (python's dict, a tree) then touches one cache line of the
  /// table for several of them instead of missing the cache on every insert and remove, while
  /// spans far apart (page-aligned blocks too) still scatter over the whole table. A span's blocks
  /// start within 8 slots of each other (16 with 32-byte granules): with a slot per 16-byte granule (session 5), blocks of 64
  /// bytes and more lay a cache line apart in the table, one miss each; now neighbours share lines
  /// (four 16-byte slots or two 32-byte ones to a line). `stats --json` of python's 300 k-entry
  /// dict: 0.25 s of CPU to 0.22 (session 7). With 16-byte slots, 32-byte granules: the 16 blocks
  /// of 17 to 24 bytes a span holds (a tree's nodes) have a home each where 64-byte granules gave
  /// two blocks each home, so a probe or a removal's shift went about twice as far (a simulation of
  /// four depth-17 trees: 8.1 slots probed per insert to 4.1); four slots still share a line.
  /// `stats` of four depth-17 trees 0.210 s to 0.198 (session 13).
  @inline(__always)
  private static func home(of address: UInt64, shift: UInt64, mask: Int, granule: UInt64) -> Int {
    let span = Int(truncatingIfNeeded: ((address >> 9) &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    return (span &+ Int(truncatingIfNeeded: (address &>> granule) & (511 &>> granule))) & mask
  }

  @inline(__always)
  private func address(at index: Int) -> UInt64 {
    slots.load(fromByteOffset: index &* stride, as: UInt64.self)
  }

  @inline(__always)
  private func block(at index: Int) -> LiveBlock {
    let slot = slots + index &* stride
    if keepsBlocks { return slot.load(fromByteOffset: 8, as: LiveBlock.self) }
    let word = slot.load(fromByteOffset: 8, as: UInt64.self)
    if packsStacks { return Self.unpacked(word) }
    return LiveBlock(size: word, serial: 0, stack: 0, thread: 0)
  }

  /// The bits of a packed word that hold the size; the stack is above them.
  private static let sizeBits: UInt64 = 40

  /// Whether `block`'s size and stack fit a packed word.
  @inline(__always)
  private static func fitsPacked(_ block: LiveBlock) -> Bool {
    block.size >> sizeBits == 0 && UInt64(block.stack) >> (64 - sizeBits) == 0
  }

  @inline(__always)
  private static func packed(_ block: LiveBlock) -> UInt64 { block.size | UInt64(block.stack) << sizeBits }

  @inline(__always)
  private static func unpacked(_ word: UInt64) -> LiveBlock {
    LiveBlock(
      size: word & (1 << sizeBits - 1), serial: 0, stack: UInt32(truncatingIfNeeded: word >> sizeBits), thread: 0)
  }

  /// What this table keeps of `block`: what it will give back for it.
  @inline(__always)
  private func kept(_ block: LiveBlock) -> LiveBlock {
    switch contents {
    case .blocks: return block
    case .sizes: return LiveBlock(size: block.size, serial: 0, stack: 0, thread: 0)
    case .sizesAndStacks: return LiveBlock(size: block.size, serial: 0, stack: block.stack, thread: 0)
    }
  }

  @inline(__always)
  private func store(_ address: UInt64, _ block: LiveBlock, at index: Int) {
    let slot = slots + index &* stride
    slot.storeBytes(of: address, as: UInt64.self)
    if keepsBlocks {
      slot.storeBytes(of: keepsAll ? block : kept(block), toByteOffset: 8, as: LiveBlock.self)
    } else {
      slot.storeBytes(of: packsStacks ? Self.packed(block) : block.size, toByteOffset: 8, as: UInt64.self)
    }
  }

  /// Copies a slot's bytes into slot `index`: as two or four words, where `copyMemory` of a
  /// slot's width was a call to `memmove` per slot moved (growing a table of two million blocks
  /// moved each one several times).
  @inline(__always)
  private func copySlot(to index: Int, from source: UnsafeRawPointer) {
    let target = slots + index &* stride
    target.storeBytes(of: source.load(as: (UInt64, UInt64).self), as: (UInt64, UInt64).self)
    if keepsBlocks {
      target.storeBytes(
        of: source.load(fromByteOffset: 16, as: (UInt64, UInt64).self), toByteOffset: 16, as: (UInt64, UInt64).self)
    }
  }

  /// The block at `address`, if it is live.
  package subscript(_ address: UInt64) -> LiveBlock? {
    if address == 0 { return zeroBlock }
    let mask = slotCount - 1
    var index = Self.home(of: address, shift: shift, mask: mask, granule: granule)
    while true {
      let key = self.address(at: index)
      if key == address { return block(at: index) }
      if key == 0 { return nil }
      index = (index + 1) & mask
    }
  }

  /// Starts loading the slot where a lookup of `address` begins into the cache, and the two lines
  /// after it, for an insert or remove of it a few events later. The lines after: a remove shifts
  /// the rest of its probe run back (and an insert probes on), which reads the next slots, a line
  /// further on for every other slot of 32 bytes; with the home line alone, that next load was a
  /// third of a `tree_build.c` report's removes. The third line (session 13): a span's 16 small
  /// blocks fill four lines of 16-byte slots, and a remove's shift reads to the end of the run
  /// (with a queue of 16 events, `stats` of `tree_build.c` 0.246 s to 0.222).
  @inline(__always)
  package func prefetch(_ address: UInt64) {
    guard address != 0 else { return }
    // Prefetches never fault: past the table's last line, the others ask for nothing useful.
    let home = slots + Self.home(of: address, shift: shift, mask: slotCount - 1, granule: granule) &* stride
    cache_hints_prefetch_for_writing(home)
    cache_hints_prefetch_for_writing(home + 64)
    cache_hints_prefetch_for_writing(home + 128)
  }

  /// Makes `block` live at `address`; returns the block it replaced, if one was live there.
  @discardableResult
  package func insert(_ address: UInt64, _ block: LiveBlock) -> LiveBlock? {
    if address == 0 {
      let old = zeroBlock
      zeroBlock = kept(block)
      if old == nil { count += 1 }
      return old
    }
    if packsStacks && !Self.fitsPacked(block) { widen() }
    if (count + 1) * 10 > slotCount * 7 { grow() }
    let mask = slotCount - 1
    var index = Self.home(of: address, shift: shift, mask: mask, granule: granule)
    while true {
      let key = self.address(at: index)
      if key == address {
        let old = self.block(at: index)
        store(address, block, at: index)
        return old
      }
      if key == 0 {
        store(address, block, at: index)
        count += 1
        return nil
      }
      index = (index + 1) & mask
    }
  }

  /// Removes and returns the block at `address`, or `nil` if none is live there.
  @discardableResult
  package func remove(_ address: UInt64) -> LiveBlock? {
    if address == 0 {
      let old = zeroBlock
      if old != nil { count -= 1 }
      zeroBlock = nil
      return old
    }
    let shift = self.shift
    let mask = slotCount - 1
    var index = Self.home(of: address, shift: shift, mask: mask, granule: granule)
    while true {
      let key = self.address(at: index)
      if key == 0 { return nil }
      if key == address { break }
      index = (index + 1) & mask
    }
    let removed = block(at: index)
    count -= 1
    // Backward-shift deletion: pull later entries of the probe run into the hole.
    var hole = index
    var next = (hole + 1) & mask
    while true {
      let key = self.address(at: next)
      if key == 0 { break }
      if (next &- Self.home(of: key, shift: shift, mask: mask, granule: granule)) & mask >= (next &- hole) & mask {
        copySlot(to: hole, from: slots + next &* stride)
        hole = next
      }
      next = (next + 1) & mask
    }
    slots.storeBytes(of: 0, toByteOffset: hole &* stride, as: UInt64.self)
    return removed
  }

  /// Calls `body` with every live block, in no particular order.
  package func forEach(_ body: (UInt64, LiveBlock) -> Void) {
    if let zeroBlock { body(0, zeroBlock) }
    for index in 0..<slotCount {
      let key = address(at: index)
      if key != 0 { body(key, block(at: index)) }
    }
  }

  /// Doubles the slots. In place while the reservation has room: the new half comes from the
  /// kernel already zeroed, and the old half's pages, already in memory, are reused. A new table
  /// in fresh memory (allocate, clear, rehash, free the old one) faulted in twice the final table's
  /// pages over its growth and cleared each one twice: `grow` with its `memset` was 11 % of
  /// `stats` on a depth-20 tree and a fifth of it on python's dict (session 7).
  private func grow() {
    if slotCount * 2 * stride <= reservation.reservedBytes {
      growInPlace()
    } else {
      move(toSlots: slotCount * 2)
    }
  }

  /// Doubles the slots where they are, rehashing in one pass from the last old slot to the first.
  ///
  /// Doubling keeps a block's span hash's top bits and adds one, so a block's new home is at or
  /// above its old one, usually at about twice its old slot. Going down from the last slot, each
  /// block whose new home is at or above its slot (nearly all) moves to the first free slot from
  /// that home: every slot from the current one up is already in its new state and no later step
  /// clears a slot there, so the probe run it walks stays whole. The few blocks whose new home lies
  /// below their slot (pushed far from a home near the start, or wrapped around the end) or whose
  /// probe would wrap past the end are set aside and inserted once every block has moved.
  private func growInPlace() {
    let oldCount = slotCount
    makeWritable(slots: oldCount * 2)
    slotCount = oldCount * 2
    outgrowsCache = slotCount * stride > 512 << 10
    shift -= 1
    let mask = slotCount - 1
    var setAside: [(UInt64, UInt64, UInt64, UInt64)] = []
    var index = oldCount - 1
    while index >= 0 {
      let slot = slots + index &* stride
      let key = slot.load(as: UInt64.self)
      if key != 0 {
        let home = Self.home(of: key, shift: shift, mask: mask, granule: granule)
        let words = loadSlot(slot)
        slot.storeBytes(of: 0, as: UInt64.self)
        var target = home
        if home >= index {
          while target < slotCount && address(at: target) != 0 { target += 1 }
        }
        if home >= index && target < slotCount {
          storeSlot(words, at: target)
        } else {
          setAside.append(words)
        }
      }
      index -= 1
    }
    for words in setAside {
      var target = Self.home(of: words.0, shift: shift, mask: mask, granule: granule)
      while address(at: target) != 0 { target = (target + 1) & mask }
      storeSlot(words, at: target)
    }
  }

  /// Widens a table of packed sizes and stacks to slots of 32 bytes, each block in the slot it
  /// had: the home of an address does not depend on the slots' width.
  /// Both tables are held while it copies (three times the packed one's bytes, once per run).
  private func widen() {
    assert(packsStacks && stride == 16, "widen() reads the packed table's 16-byte slots")
    let old = (slots, reservation)
    defer { old.1.release() }
    keepsBlocks = true
    packsStacks = false
    stride = 8 + MemoryLayout<LiveBlock>.stride
    reservation = Self.reserve(
      slots: max(slotCount, old.1.reservedBytes / 16), minimumSlots: slotCount, stride: stride)
    makeWritable(slots: slotCount)
    slots = reservation.base
    outgrowsCache = slotCount * stride > 512 << 10
    for index in 0..<slotCount {
      let key = old.0.load(fromByteOffset: index &* 16, as: UInt64.self)
      guard key != 0 else { continue }
      store(key, Self.unpacked(old.0.load(fromByteOffset: index &* 16 + 8, as: UInt64.self)), at: index)
    }
  }

  /// Moves the blocks to a new reservation with room for `newCount` slots and more.
  private func move(toSlots newCount: Int) {
    let old = (slots, slotCount, reservation)
    defer { old.2.release() }
    reservation = Self.reserve(
      slots: max(newCount, old.2.reservedBytes / stride * 2), minimumSlots: newCount, stride: stride)
    makeWritable(slots: newCount)
    (slots, slotCount, shift) = (reservation.base, newCount, UInt64(64 - newCount.trailingZeroBitCount))
    outgrowsCache = slotCount * stride > 512 << 10
    let mask = slotCount - 1
    for oldIndex in 0..<old.1 {
      let key = old.0.load(fromByteOffset: oldIndex &* stride, as: UInt64.self)
      guard key != 0 else { continue }
      var index = Self.home(of: key, shift: shift, mask: mask, granule: granule)
      while address(at: index) != 0 { index = (index + 1) & mask }
      copySlot(to: index, from: old.0 + oldIndex &* stride)
    }
  }

  /// Address space for `slots` slots of `stride` bytes, or for fewer, no fewer than `minimumSlots`.
  private static func reserve(slots: Int, minimumSlots: Int, stride: Int) -> ReservedMemory {
    guard let memory = ReservedMemory(bytes: slots * stride, minimumBytes: minimumSlots * stride) else {
      fatalError("no address space for \(minimumSlots) live blocks' slots of \(stride) bytes (mmap failed)")
    }
    return memory
  }

  /// Makes the first `slots` slots readable and writable (they must fit the reservation).
  private func makeWritable(slots: Int) {
    guard reservation.makeWritable(bytes: slots * stride, step: 1 << 20) else {
      fatalError("no memory for \(slots) live blocks' slots of \(stride) bytes (mprotect failed)")
    }
  }

  /// A slot's words (the last two 0 in a table of sizes).
  @inline(__always)
  private func loadSlot(_ slot: UnsafeRawPointer) -> (UInt64, UInt64, UInt64, UInt64) {
    let first = slot.load(as: (UInt64, UInt64).self)
    guard keepsBlocks else { return (first.0, first.1, 0, 0) }
    let second = slot.load(fromByteOffset: 16, as: (UInt64, UInt64).self)
    return (first.0, first.1, second.0, second.1)
  }

  @inline(__always)
  private func storeSlot(_ words: (UInt64, UInt64, UInt64, UInt64), at index: Int) {
    let target = slots + index &* stride
    target.storeBytes(of: (words.0, words.1), as: (UInt64, UInt64).self)
    if keepsBlocks { target.storeBytes(of: (words.2, words.3), toByteOffset: 16, as: (UInt64, UInt64).self) }
  }
}

extension LiveBlockTable {
  /// A table with the same blocks, sharing no storage with this one.
  package func copy() -> LiveBlockTable {
    let copy = LiveBlockTable(capacity: count, contents: contents)
    forEach { copy.insert($0, $1) }
    return copy
  }
}
