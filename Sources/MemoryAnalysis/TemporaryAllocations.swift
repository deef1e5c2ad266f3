/// Temporary allocations as memray defines them: a block freed, by the thread that allocated it,
/// before that thread made any other allocation.
///
/// Every kind of deallocation counts, including the old block of a `realloc()` that moved, in
/// stream order: it follows memray's default (`--temporary-allocation-threshold=1`).
public struct TemporaryAllocations: Sendable, Equatable {
  /// The number of temporary allocations.
  public var count: UInt64
  /// Their total bytes.
  public var bytes: UInt64
  /// Grouped by allocating stack, largest bytes first.
  public var byStack: [StackTotal]
}

/// Tracks, per thread, the last allocation, and per stack the temporaries found.
///
/// - Complexity: O(1) per event.
struct TemporaryAllocationTracker {
  private var lastAddress: [UInt64] = []
  private var pending: [Bool] = []
  private var perStack = PerStackTotals()
  private(set) var count: UInt64 = 0
  private(set) var bytes: UInt64 = 0

  @inline(__always)
  mutating func allocated(_ address: UInt64, thread: Int) {
    if thread >= lastAddress.count {
      lastAddress.append(contentsOf: repeatElement(0, count: thread + 1 - lastAddress.count))
      pending.append(contentsOf: repeatElement(false, count: thread + 1 - pending.count))
    }
    lastAddress[thread] = address
    pending[thread] = true
  }

  /// Returns whether the block was temporary.
  @inline(__always) @discardableResult
  mutating func freed(_ address: UInt64, thread: Int, block: LiveBlock) -> Bool {
    guard thread < pending.count, pending[thread], lastAddress[thread] == address else { return false }
    pending[thread] = false
    perStack.add(block)
    count &+= 1
    bytes &+= block.size
    return true
  }

  /// The program exec()ed: no block of the old one can be freed any more.
  mutating func programEnded() {
    for thread in pending.indices { pending[thread] = false }
  }

  /// The temporaries found, ranked by stack only when `ranked` (else ``TemporaryAllocations/byStack``
  /// is empty).
  func result(ranked: Bool) -> TemporaryAllocations {
    TemporaryAllocations(count: count, bytes: bytes, byStack: ranked ? perStack.ranked : [])
  }
}
