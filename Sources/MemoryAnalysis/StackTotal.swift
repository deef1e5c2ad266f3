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

extension StackTotal {
  /// Whether `self` ranks before `other`: more bytes, then more blocks, then the lower node.
  @inline(__always)
  func ranksBefore(_ other: StackTotal) -> Bool {
    (bytes, count, other.stack) > (other.bytes, other.count, stack)
  }
}

extension Array where Element == StackTotal {
  /// The totals with a non-zero count, largest bytes first (then most blocks, then lowest node);
  /// only the first `limit` of them.
  ///
  /// - Complexity: O(*n* log *n*) for *n* totals kept, or O(*n* · `limit`) at worst (O(*n*) in
  ///   practice) when `limit` is at most ``largestPickedWithoutSorting`` and below *n*: the largest
  ///   are then picked without sorting the rest.
  static func ranked(count: Int, limit: Int, _ total: (Int) -> (bytes: UInt64, count: UInt64)) -> [StackTotal] {
    // A long list (`--top-stacks 100000`) is sorted: inserting into it would cost its length per total.
    guard limit < count, limit <= largestPickedWithoutSorting else {
      let all = ranked(count: count, total)
      return limit < all.count ? Array(all.prefix(limit)) : all
    }
    // The best `limit` so far, best first: most candidates rank below the last and are passed over
    // with one comparison (`workshop stats` prints 5 stacks of a tree's two million).
    var best: [StackTotal] = []
    best.reserveCapacity(limit + 1)
    for node in 0..<count {
      let value = total(node)
      guard value.count > 0 || value.bytes > 0 else { continue }
      let candidate = StackTotal(stack: UInt32(node), bytes: value.bytes, count: value.count)
      if best.count == limit {
        guard limit > 0, candidate.ranksBefore(best[limit - 1]) else { continue }
        best.removeLast()
      }
      var place = best.count
      while place > 0 && candidate.ranksBefore(best[place - 1]) { place -= 1 }
      best.insert(candidate, at: place)
    }
    return best
  }

  /// The longest list `ranked(count:limit:_:)` picks by insertion rather than by sorting every total.
  static var largestPickedWithoutSorting: Int { 256 }

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
    result.sort { $0.ranksBefore($1) }
    return result
  }
}
