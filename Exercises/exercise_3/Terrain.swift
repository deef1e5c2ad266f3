// Exercise 3 — The cache that kept everything
//
// A hiking planner: `Terrain` is a map of heights, and `cheapestClimb(toRow:column:)` works out
// the least a walker has to climb to get from the top-left corner to a cell, moving right or down.
// The recursion asks for the same cells again and again, so the answers are remembered in a cache.
// It works, and it is fast. But the program plans one terrain at a time, and memory keeps growing
// with every terrain it has ever planned.
//
// Your task: keep the answers the same, and bring the workload's peak memory under the limit in
// exercise.json (1 MiB). Run `workshop check 3` to check, `workshop lesson 3` for the lesson.

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

/// The climbs worked out so far, for every terrain.
nonisolated(unsafe) var climbCache: [ClimbKey: Int] = [:]
