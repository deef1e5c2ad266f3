/// Bytes and blocks per stack, in a dense table indexed by stack node.
struct PerStackTotals {
  private var totals = PerStackTable<(bytes: UInt64, count: UInt64)>()

  /// Counts `block` at its stack.
  @inline(__always)
  mutating func add(_ block: LiveBlock) { add(block.size, at: block.stack) }

  /// Counts one block of `bytes` at `stack`.
  @inline(__always)
  mutating func add(_ bytes: UInt64, at stack: UInt32) {
    let entry = totals.place(Int(stack))
    entry.pointee.bytes &+= bytes
    entry.pointee.count &+= 1
  }

  /// The stacks with any total, largest bytes first.
  var ranked: [StackTotal] { .ranked(count: totals.count) { totals[$0] } }
}
