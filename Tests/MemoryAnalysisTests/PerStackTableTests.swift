import Testing

@testable import MemoryAnalysis

@Suite("The per-stack table")
struct PerStackTableTests {
  @Test("new places read as zero, far past the first megabyte and its huge pages")
  func newPlacesAreZero() {
    var table = PerStackTable<(bytes: UInt64, count: UInt64)>()
    #expect(table.count == 0)
    for index in [0, 5, 4_095, 70_000, 300_000, 65_537] {
      table.ensureIndex(index)
      #expect(table[index].bytes == 0 && table[index].count == 0)
      table.place(index).pointee = (bytes: UInt64(index) + 1, count: 7)
    }
    // The highest index asked for, not the last.
    #expect(table.count == 300_001)
    for index in [0, 5, 4_095, 70_000, 300_000, 65_537] {
      #expect(table[index].bytes == UInt64(index) + 1 && table[index].count == 7)
    }
    #expect(table[1].bytes == 0 && table[299_999].count == 0)
  }

  @Test("a copy keeps its values when the original changes, and the other way round")
  func copyOnWrite() {
    var original = PerStackTable<UInt64>()
    for index in 0..<1_000 { original.place(index).pointee = UInt64(index) }
    var copy = original
    copy.place(10).pointee = 99
    copy.place(5_000).pointee = 5
    original.place(20).pointee = 77
    #expect(original[10] == 10 && original[20] == 77 && original.count == 1_000)
    #expect(copy[10] == 99 && copy[20] == 20 && copy[5_000] == 5 && copy.count == 5_001)
  }

  @Test("per-stack totals rank as the array they replace did: largest bytes, then most blocks, then lowest stack")
  func totalsRank() {
    var totals = PerStackTotals()
    totals.add(10, at: 3)
    totals.add(10, at: 1)
    totals.add(5, at: 2)
    totals.add(5, at: 2)
    totals.add(0, at: 9)
    #expect(
      totals.ranked == [
        StackTotal(stack: 2, bytes: 10, count: 2), StackTotal(stack: 1, bytes: 10, count: 1),
        StackTotal(stack: 3, bytes: 10, count: 1), StackTotal(stack: 9, bytes: 0, count: 1),
      ])
  }
}
