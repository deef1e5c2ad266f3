// The demo that the README's first command runs under the tracker: a visible peak, then a leak.

/// One node of a ring; two nodes that point at each other are never freed under ARC.
final class RingNode {
  var next: RingNode?
  var payload = [UInt8](repeating: 0, count: 4096)
}

/// Builds a table of `rows` rows of 1,000 integers: about 8 KB a row, all alive at once.
func buildTable(rows: Int) -> [[Int]] {
  (0..<rows).map { row in [Int](repeating: row, count: 1000) }
}

/// Sums the table; the peak of the program happens in here.
func summarizeTable() -> Int {
  let table = buildTable(rows: 2000)
  return table.reduce(0) { $0 + $1.reduce(0, +) }
}

/// Leaks a two-node reference cycle.
func leakRing() {
  let first = RingNode()
  let second = RingNode()
  first.next = second
  second.next = first
}

print("sum of the table: \(summarizeTable())")
leakRing()
print("left a reference cycle behind")
