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

extension LiveBlock: LiveBlockValue {
  package static let vacant = LiveBlock(size: 0, serial: 0, stack: 0, thread: 0)
}

/// What a ``LiveBlockTable`` keeps per live block: a plain value with a filler for empty slots.
package protocol LiveBlockValue: BitwiseCopyable {
  /// What an empty slot holds (never returned).
  static var vacant: Self { get }
}

/// A block's size alone: all a profiler that keeps nothing per stack needs
/// (``MemoryProfiler/Detail/headline``), in 16-byte slots, half the cache lines of a ``LiveBlock``'s.
extension UInt64: LiveBlockValue {
  package static var vacant: UInt64 { 0 }
}

/// The live blocks of a capture: an open-addressing hash map from address to what is kept per
/// block (a ``LiveBlock``, or its size alone).
///
/// Linear probing over one flat buffer of slots (address and block side by side: 32 bytes with a
/// ``LiveBlock``, 16 with a size), with
/// a hash that keeps neighbouring addresses in neighbouring slots (`home(of:shift:mask:)`) and
/// backward-shift deletion, so there are no tombstones and lookups stay
/// short after millions of frees. Address 0
/// (the empty-slot marker) is kept aside. Replaying the 10M alloc/free operations of the synthetic
/// benchmark capture, it runs at about 28 M operations/s against about 19 M/s for
/// `Dictionary<UInt64, LiveBlock>` (release build, see `BenchmarkTests`).
///
/// - Complexity: expected O(1) for ``insert(_:_:)``, ``remove(_:)`` and ``subscript(_:)``; O(*capacity*)
///   for ``forEach(_:)``.
package final class LiveBlockTable<Block: LiveBlockValue> {
  /// A key and its block side by side, so a probe touches one cache line.
  private struct Slot {
    var address: UInt64
    var block: Block
  }

  private static var empty: Slot { Slot(address: 0, block: .vacant) }

  // Unchecked exclusivity: the runtime's dynamic check on each access to these properties cost
  // about a tenth of an insert or remove. A table belongs to one profiler on one thread (a shared
  // table is copied before it is changed), so no two accesses can overlap.
  @exclusivity(unchecked) private var slots: UnsafeMutableBufferPointer<Slot>
  @exclusivity(unchecked) private var shift: UInt64
  @exclusivity(unchecked) private var zeroBlock: Block?
  /// The number of live blocks.
  @exclusivity(unchecked) package private(set) var count = 0

  /// Creates an empty table with room for about `capacity` blocks before it grows.
  ///
  /// Small by default (16 KB): a program that keeps few blocks alive at a time (the churn
  /// benchmarks keep 8 to 64) then finds its table in the first-level cache, where a 4 MB table
  /// missed the cache on most inserts; a large heap grows it by doubling, O(1) amortized.
  package init(capacity: Int = 1 << 8) {
    var size = 16
    while size < capacity * 2 { size *= 2 }
    slots = .allocate(capacity: size)
    slots.initialize(repeating: Self.empty)
    shift = UInt64(64 - size.trailingZeroBitCount)
  }

  deinit { slots.deallocate() }

  /// The first slot to probe for `address`: each 512-byte span of addresses gets a slot found by
  /// Fibonacci hashing, and the 16-byte granules of the span the slots after it. Blocks allocated
  /// one after another usually lie side by side, so their slots do too: a program that keeps
  /// hundreds of thousands of blocks (python's dict, a tree) then touches one cache line of the
  /// table for several of them instead of missing the cache on every insert and remove, while
  /// spans far apart (page-aligned blocks too) still scatter over the whole table. A span's blocks
  /// take at most 32 slots in a row, which bounds how far two spans sent to the same place push
  /// each other.
  @inline(__always)
  private static func home(of address: UInt64, shift: UInt64, mask: Int) -> Int {
    let span = Int(truncatingIfNeeded: ((address >> 9) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    return (span &+ Int(truncatingIfNeeded: (address >> 4) & 31)) & mask
  }

  /// The block at `address`, if it is live.
  package subscript(_ address: UInt64) -> Block? {
    if address == 0 { return zeroBlock }
    let slots = self.slots
    let mask = slots.count - 1
    var index = Self.home(of: address, shift: shift, mask: mask)
    while true {
      let key = slots[index].address
      if key == address { return slots[index].block }
      if key == 0 { return nil }
      index = (index + 1) & mask
    }
  }

  /// Makes `block` live at `address`; returns the block it replaced, if one was live there.
  @discardableResult
  package func insert(_ address: UInt64, _ block: Block) -> Block? {
    if address == 0 {
      let old = zeroBlock
      zeroBlock = block
      if old == nil { count += 1 }
      return old
    }
    if (count + 1) * 10 > slots.count * 7 { grow() }
    let slots = self.slots
    let mask = slots.count - 1
    var index = Self.home(of: address, shift: shift, mask: mask)
    while true {
      let key = slots[index].address
      if key == address {
        let old = slots[index].block
        slots[index].block = block
        return old
      }
      if key == 0 {
        slots[index] = Slot(address: address, block: block)
        count += 1
        return nil
      }
      index = (index + 1) & mask
    }
  }

  /// Removes and returns the block at `address`, or `nil` if none is live there.
  @discardableResult
  package func remove(_ address: UInt64) -> Block? {
    if address == 0 {
      let old = zeroBlock
      if old != nil { count -= 1 }
      zeroBlock = nil
      return old
    }
    let slots = self.slots
    let shift = self.shift
    let mask = slots.count - 1
    var index = Self.home(of: address, shift: shift, mask: mask)
    while true {
      let key = slots[index].address
      if key == 0 { return nil }
      if key == address { break }
      index = (index + 1) & mask
    }
    let removed = slots[index].block
    count -= 1
    // Backward-shift deletion: pull later entries of the probe run into the hole.
    var hole = index
    var next = (hole + 1) & mask
    while true {
      let key = slots[next].address
      if key == 0 { break }
      if (next &- Self.home(of: key, shift: shift, mask: mask)) & mask >= (next &- hole) & mask {
        slots[hole] = slots[next]
        hole = next
      }
      next = (next + 1) & mask
    }
    slots[hole].address = 0
    return removed
  }

  /// Calls `body` with every live block, in no particular order.
  package func forEach(_ body: (UInt64, Block) -> Void) {
    if let zeroBlock { body(0, zeroBlock) }
    for slot in slots where slot.address != 0 { body(slot.address, slot.block) }
  }

  private func grow() {
    let old = slots
    let size = old.count * 2
    slots = .allocate(capacity: size)
    slots.initialize(repeating: Self.empty)
    shift = UInt64(64 - size.trailingZeroBitCount)
    let mask = size - 1
    for slot in old where slot.address != 0 {
      var index = Self.home(of: slot.address, shift: shift, mask: mask)
      while slots[index].address != 0 { index = (index + 1) & mask }
      slots[index] = slot
    }
    old.deallocate()
  }
}

extension LiveBlockTable {
  /// A table with the same blocks, sharing no storage with this one.
  package func copy() -> LiveBlockTable {
    let copy = LiveBlockTable(capacity: count)
    forEach { copy.insert($0, $1) }
    return copy
  }
}
