import MemoryAnalysis
import Testing

@Suite("The live-block hash map")
struct LiveBlockTableTests {
  static func block(_ value: UInt64) -> LiveBlock {
    LiveBlock(size: value, serial: value &* 3, stack: UInt32(truncatingIfNeeded: value % 97), thread: 1)
  }

  @Test("behaves like a Dictionary under random inserts, replacements and removals", arguments: 0..<4)
  func matchesDictionary(seed: Int) {
    Self.matchDictionary(seed: seed, value: Self.block)
  }

  @Test("keeping sizes alone, behaves like a Dictionary too", arguments: 0..<4)
  func sizesMatchDictionary(seed: Int) {
    Self.matchDictionary(seed: seed) { $0 &* 7 }
  }

  static func matchDictionary<Block: LiveBlockValue & Equatable>(seed: Int, value: (UInt64) -> Block) {
    var random = SplitMix(seed: UInt64(seed))
    let table = LiveBlockTable<Block>(capacity: 4)
    var reference: [UInt64: Block] = [:]
    // Few distinct keys force long probe runs, replacements and wrap-around; 0 is a real address.
    let keySpace: UInt64 = seed % 2 == 0 ? 64 : 20_000
    for step in 0..<30_000 {
      let address = (random.next() % keySpace) * (seed < 2 ? 16 : 1 << 20)
      if random.next() % 3 == 0 {
        #expect(table.remove(address) == reference.removeValue(forKey: address))
      } else {
        let block = value(UInt64(step))
        #expect(table.insert(address, block) == reference.updateValue(block, forKey: address))
      }
      #expect(table.count == reference.count)
    }
    for (address, block) in reference { #expect(table[address] == block) }
    var seen: [UInt64: Block] = [:]
    table.forEach { seen[$0] = $1 }
    #expect(seen == reference)
    #expect(table.copy().count == reference.count)
  }
}
