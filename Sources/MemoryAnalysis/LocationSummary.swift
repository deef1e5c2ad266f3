import Symbols

/// The allocation tree by location (memray's `summary`): for each function and line, the bytes of
/// the allocations it was on the stack of (total) and the bytes it allocated itself (own).
public struct LocationSummary: Sendable {
  /// One location's figures.
  public struct Row: Sendable, Equatable {
    /// The location: a frame standing for every node with its identity.
    public var frame: SymbolizedFrame
    /// Bytes allocated here or in a callee, counted once however deep the recursion.
    public var totalBytes: UInt64
    /// Bytes allocated by this location itself.
    public var ownBytes: UInt64
    /// Allocations made here or in a callee.
    public var count: UInt64
    /// Allocations made by this location itself.
    public var ownCount: UInt64
  }

  /// How to order the rows.
  public enum Order: String, Sendable, CaseIterable {
    /// Largest total first.
    case total
    /// Largest own bytes first.
    case own
    /// Most allocations first.
    case count
  }

  /// Every location, in no particular order.
  public var rows: [Row]
  /// The tree's total bytes: what the shares are of.
  public var totalBytes: UInt64
  /// The tree's total allocations.
  public var totalCount: UInt64

  /// Sums up `tree` by location.
  ///
  /// - Complexity: O(n) for n nodes: one depth-first walk that adds a subtree's totals to a location
  ///   only at its outermost occurrence on the path, so recursion is not counted twice.
  public init(tree: AllocationTree) {
    var index: [SymbolizedFrame.Identity: Int] = [:]
    var rows: [Row] = []
    var active: [Int] = []  // per row: how many times it is on the current path
    var walk: [(node: Int, entering: Bool)] = tree.root.children.reversed().map { ($0, true) }
    while let (node, entering) = walk.popLast() {
      let item = tree[node]
      guard let frame = item.frame else { continue }
      let identity = frame.identity
      let row: Int
      if let known = index[identity] {
        row = known
      } else {
        row = rows.count
        index[identity] = row
        rows.append(Row(frame: frame, totalBytes: 0, ownBytes: 0, count: 0, ownCount: 0))
        active.append(0)
      }
      if entering {
        if active[row] == 0 {
          rows[row].totalBytes += item.bytes
          rows[row].count += item.count
        }
        active[row] += 1
        rows[row].ownBytes += item.ownBytes
        rows[row].ownCount += item.ownCount
        walk.append((node, false))
        for child in item.children.reversed() { walk.append((child, true)) }
      } else {
        active[row] -= 1
      }
    }
    self.rows = rows
    self.totalBytes = tree.totalBytes
    self.totalCount = tree.totalCount
  }

  /// The rows in `order`, largest first, ties by label; at most `limit` of them.
  ///
  /// - Complexity: O(r log r) for r rows.
  public func sorted(by order: Order, limit: Int? = nil) -> [Row] {
    func key(_ row: Row) -> (UInt64, UInt64) {
      switch order {
      case .total: return (row.totalBytes, row.ownBytes)
      case .own: return (row.ownBytes, row.totalBytes)
      case .count: return (row.count, row.totalBytes)
      }
    }
    let sorted = rows.sorted { a, b in
      let (ka, kb) = (key(a), key(b))
      return ka != kb ? ka > kb : a.frame.label < b.frame.label
    }
    guard let limit else { return sorted }
    return Array(sorted.prefix(max(limit, 0)))
  }
}
