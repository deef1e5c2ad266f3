import MemoryTrace

/// Bytes and block count attributed to one stack.
public struct StackTotal: Sendable, Equatable, Hashable {
  /// The stack node (0: no stack). Resolve it with ``MemoryProfile/stack(_:)``.
  public var stack: UInt32
  /// Bytes.
  public var bytes: UInt64
  /// Blocks.
  public var count: UInt64

  /// Creates a total.
  public init(stack: UInt32, bytes: UInt64, count: UInt64) {
    self.stack = stack
    self.bytes = bytes
    self.count = count
  }
}

extension Array where Element == StackTotal {
  /// The totals with a non-zero count, largest bytes first (then most blocks, then lowest node).
  static func ranked(count: Int, _ total: (Int) -> (bytes: UInt64, count: UInt64)) -> [StackTotal] {
    var result: [StackTotal] = []
    // Counted first, so that the list is made once at its size: grown by appends, two million
    // totals (a recursive tree's) were copied twenty times over into ever larger buffers.
    var kept = 0
    for node in 0..<count {
      let value = total(node)
      if value.count > 0 || value.bytes > 0 { kept += 1 }
    }
    result.reserveCapacity(kept)
    for node in 0..<count {
      let value = total(node)
      if value.count > 0 || value.bytes > 0 {
        result.append(StackTotal(stack: UInt32(node), bytes: value.bytes, count: value.count))
      }
    }
    result.sort { ($0.bytes, $0.count, $1.stack) > ($1.bytes, $1.count, $0.stack) }
    return result
  }
}
