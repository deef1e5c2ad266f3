// Exercise 3 — reference solution.
//
// The cache moves onto the terrain it is about. Its keys no longer need the terrain (every entry
// in a terrain's cache is about that terrain), so they hold no reference to it, and when the
// terrain goes, its cache goes with it. At any moment the workload holds one terrain and one
// terrain's answers, however many terrains it has planned.
//
// Other ways to get there are in alternatives/.

/// A rectangular map of heights, in metres.
final class Terrain {
  let rows: Int
  let columns: Int
  private let heights: [Int]
  /// The climbs worked out so far on this terrain, by cell.
  private var climbs: [Cell: Int] = [:]

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
    let cell = Cell(row: row, column: column)
    if let known = climbs[cell] { return known }

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

    climbs[cell] = best
    return best
  }
}

/// A cell of a terrain.
struct Cell: Hashable {
  let row: Int
  let column: Int
}
