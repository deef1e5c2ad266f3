import MemoryAnalysis
import Testing

@Suite("The live-block hash map")
struct LiveBlockTableTests {
  static func block(_ value: UInt64) -> LiveBlock {
    LiveBlock(size: value, serial: value &* 3, stack: UInt32(truncatingIfNeeded: value % 97), thread: 1)
  }

  @Test("behaves like a Dictionary under random inserts, replacements and removals", arguments: 0..<4)
  func matchesDictionary(seed: Int) {
    Self.matchDictionary(seed: seed, contents: .blocks)
  }

  @Test("keeping sizes alone, behaves like a Dictionary of sizes", arguments: 0..<4)
  func sizesMatchDictionary(seed: Int) {
    Self.matchDictionary(seed: seed, contents: .sizes)
  }

  /// What a table of `contents` gives back for `block`.
  static func kept(_ block: LiveBlock, _ contents: LiveBlockTable.Contents) -> LiveBlock {
    contents == .blocks ? block : LiveBlock(size: block.size, serial: 0, stack: 0, thread: 0)
  }

  static func matchDictionary(seed: Int, contents: LiveBlockTable.Contents) {
    var random = SplitMix(seed: UInt64(seed))
    let table = LiveBlockTable(capacity: 4, contents: contents)
    var reference: [UInt64: LiveBlock] = [:]
    // Few distinct keys force long probe runs, replacements and wrap-around; 0 is a real address.
    let keySpace: UInt64 = seed % 2 == 0 ? 64 : 20_000
    for step in 0..<30_000 {
      let address = (random.next() % keySpace) * (seed < 2 ? 16 : 1 << 20)
      if random.next() % 3 == 0 {
        #expect(table.remove(address) == reference.removeValue(forKey: address))
      } else {
        let value = kept(Self.block(UInt64(step)), contents)
        #expect(table.insert(address, Self.block(UInt64(step))) == reference.updateValue(value, forKey: address))
      }
      #expect(table.count == reference.count)
    }
    for (address, block) in reference { #expect(table[address] == block) }
    var seen: [UInt64: LiveBlock] = [:]
    table.forEach { seen[$0] = $1 }
    #expect(seen == reference)
    #expect(table.copy().count == reference.count)
  }
}
