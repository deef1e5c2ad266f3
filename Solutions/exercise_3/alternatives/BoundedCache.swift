// Exercise 3 — alternative: keep the shared cache, but bound it.
//
// A cache without a size limit is a leak with good intentions. Here the shared cache stays as it
// was, keyed by terrain, but it is emptied whenever it reaches `climbCacheLimit` entries.
// `removeAll()` frees the dictionary's storage and drops every key, and with the keys the
// references to the old terrains, so they can go too.
//
// Emptying it all at once is the crudest policy there is; a least-recently-used cache would keep
// the useful entries. But any bound turns "grows forever" into "grows to here", and the bound can
// be chosen to fit the memory you have. The answers stay right either way: an entry that is gone
// is worked out again.

/// A rectangular map of heights, in metres.
final class Terrain {
  let rows: Int
  let columns: Int
  private let heights: [Int]

  /// A made-up but repeatable terrain: the same seed always gives the same heights.
  init(seed: Int, rows: Int, columns: Int) {
    self.rows = rows
    self.columns = columns
    var state = UInt64(truncatingIfNeeded: seed) &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    heights = (0..<rows * columns).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 54)   // 0 ... 1023
    }
  }

  func height(row: Int, column: Int) -> Int {
    heights[row * columns + column]
  }

  /// How much a walker climbs stepping onto (row, column) from a cell of height `from`.
  private func climb(from: Int, row: Int, column: Int) -> Int {
    max(0, height(row: row, column: column) - from)
  }

  /// The least total climb from the top-left corner to (row, column), stepping right or down.
  func cheapestClimb(toRow row: Int, column: Int) -> Int {
    let key = ClimbKey(terrain: self, row: row, column: column)
    if let known = climbCache[key] { return known }

    var best = Int.max
    if row > 0 {
      let above = height(row: row - 1, column: column)
      best = min(best, cheapestClimb(toRow: row - 1, column: column) + climb(from: above, row: row, column: column))
    }
    if column > 0 {
      let left = height(row: row, column: column - 1)
      best = min(best, cheapestClimb(toRow: row, column: column - 1) + climb(from: left, row: row, column: column))
    }
    if best == Int.max { best = 0 }   // the corner itself

    if climbCache.count >= climbCacheLimit { climbCache.removeAll() }
    climbCache[key] = best
    return best
  }
}

/// Terrains are compared by identity: two terrains are the same terrain only if they are one object.
extension Terrain: Hashable {
  static func == (lhs: Terrain, rhs: Terrain) -> Bool { lhs === rhs }
  func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A question the cache has an answer for: which terrain, and which cell.
struct ClimbKey: Hashable {
  let terrain: Terrain
  let row: Int
  let column: Int
}

/// The climbs worked out so far, for every terrain: at most `climbCacheLimit` of them.
nonisolated(unsafe) var climbCache: [ClimbKey: Int] = [:]

/// How many climbs the cache holds before it starts over.
let climbCacheLimit = 4_096
