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

  @Test("keeping sizes and stacks, behaves like a Dictionary of sizes and stacks", arguments: 0..<4)
  func sizesAndStacksMatchDictionary(seed: Int) {
    Self.matchDictionary(seed: seed, contents: .sizesAndStacks)
  }

  @Test(
    "keeping sizes and stacks, widens its slots for a size or stack too large to pack and keeps every block",
    arguments: [
      LiveBlock(size: 1 << 40, serial: 9, stack: 5, thread: 2),
      LiveBlock(size: 7, serial: 9, stack: 1 << 24, thread: 2),
      LiveBlock(size: .max, serial: 9, stack: .max, thread: 2),
    ])
  func widens(large: LiveBlock) {
    let table = LiveBlockTable(contents: .sizesAndStacks)
    var reference: [UInt64: LiveBlock] = [:]
    for step in 0..<5_000 as Range<UInt64> {
      table.insert(step * 48 + 16, Self.block(step))
      reference[step * 48 + 16] = Self.kept(Self.block(step), .sizesAndStacks)
    }
    // The largest size and stack that still pack: read back and removed while packed.
    let largestPacked = LiveBlock(size: (1 << 40) - 1, serial: 1, stack: (1 << 24) - 1, thread: 1)
    #expect(table.slotBytes == 16)
    #expect(table.insert(8, largestPacked) == nil)
    #expect(table.slotBytes == 16, "the largest packable block keeps the slots packed")
    #expect(table[8] == Self.kept(largestPacked, .sizesAndStacks))
    #expect(table.remove(8) == Self.kept(largestPacked, .sizesAndStacks))
    #expect(table.insert(8, largestPacked) == nil)
    reference[8] = Self.kept(largestPacked, .sizesAndStacks)
    #expect(table.insert(1 << 30, large) == nil)
    #expect(table.slotBytes == 32, "a block that does not pack widens the slots")
    reference[1 << 30] = Self.kept(large, .sizesAndStacks)
    for step in 0..<5_000 as Range<UInt64> where step % 3 == 0 {
      #expect(table.remove(step * 48 + 16) == reference.removeValue(forKey: step * 48 + 16))
    }
    for step in 5_000..<20_000 as Range<UInt64> {
      table.insert(step * 48 + 16, Self.block(step))
      reference[step * 48 + 16] = Self.kept(Self.block(step), .sizesAndStacks)
    }
    #expect(table.count == reference.count)
    var seen: [UInt64: LiveBlock] = [:]
    table.forEach { seen[$0] = $1 }
    #expect(seen == reference)
    #expect(table[1 << 30] == LiveBlock(size: large.size, serial: 0, stack: large.stack, thread: 0))
    let copy = table.copy()
    #expect(copy.count == reference.count && copy[1 << 30] == table[1 << 30])
  }

  /// What a table of `contents` gives back for `block`.
  static func kept(_ block: LiveBlock, _ contents: LiveBlockTable.Contents) -> LiveBlock {
    switch contents {
    case .blocks: return block
    case .sizes: return LiveBlock(size: block.size, serial: 0, stack: 0, thread: 0)
    case .sizesAndStacks: return LiveBlock(size: block.size, serial: 0, stack: block.stack, thread: 0)
    }
  }

  @Test(
    "grows in place through many doublings: neighbouring, scattered and wrapping addresses all stay found",
    arguments: [LiveBlockTable.Contents.blocks, .sizes, .sizesAndStacks])
  func growsInPlace(contents: LiveBlockTable.Contents) {
    Self.growAndShrink(LiveBlockTable(contents: contents), contents: contents)
  }

  @Test(
    "a table that outgrows its reserved address space moves to a larger one and keeps every block",
    arguments: [LiveBlockTable.Contents.blocks, .sizes, .sizesAndStacks])
  func outgrowsItsReservation(contents: LiveBlockTable.Contents) {
    Self.growAndShrink(LiveBlockTable(contents: contents, reservedSlots: 64), contents: contents)
  }

  @Test(
    "keeping sizes and stacks, widens halfway through its growth, or after removals shifted its runs back, and keeps every block",
    arguments: [false, true])
  func widensWhileGrowingOrShifted(afterRemovals: Bool) {
    let table = LiveBlockTable(contents: .sizesAndStacks, reservedSlots: 1 << 12)
    Self.growAndShrink(
      table, contents: .sizesAndStacks, widenAtStep: afterRemovals ? nil : 75_001, widenAfterRemovals: afterRemovals)
    #expect(table.slotBytes == 32)
  }

  /// Fills `table` with 150,000 blocks (runs of neighbours as an allocator hands them out, addresses
  /// anywhere in the 64 bits, and the top of the address space, whose homes wrap around the end),
  /// removes every third, and checks each against a dictionary after each phase. A block too large
  /// to pack is inserted at `widenAtStep` of the filling, or once the removals are done.
  static func growAndShrink(
    _ table: LiveBlockTable, contents: LiveBlockTable.Contents, widenAtStep: Int? = nil,
    widenAfterRemovals: Bool = false
  ) {
    let unpackable = LiveBlock(size: 1 << 41, serial: 3, stack: (1 << 24) + 5, thread: 4)
    var random = SplitMix(seed: 7)
    var reference: [UInt64: LiveBlock] = [:]
    var next: UInt64 = 0x5555_0000_0000
    var wrongAnswers = 0
    for step in 0..<150_000 {
      let address: UInt64
      switch step % 4 {
      case 0, 1:
        next &+= 16 &* (1 &+ random.next() % 8)
        address = next
      case 2: address = random.next() | 1
      default: address = UInt64.max &- (random.next() % (1 << 24)) &* 16
      }
      let value = step == widenAtStep ? unpackable : Self.block(UInt64(step))
      if table.insert(address, value) != reference.updateValue(kept(value, contents), forKey: address) {
        wrongAnswers += 1
      }
    }
    #expect(wrongAnswers == 0)
    #expect(table.count == reference.count)
    var missing = reference.filter { table[$0.key] != $0.value }.count
    #expect(missing == 0)
    for (index, address) in reference.keys.sorted().enumerated() where index % 3 == 0 {
      if table.remove(address) != reference.removeValue(forKey: address) { wrongAnswers += 1 }
    }
    #expect(wrongAnswers == 0)
    if widenAfterRemovals {
      // Into the runs the removals shifted back: a neighbour of a removed block's address.
      let address = reference.keys.sorted()[reference.count / 2] &+ 16
      #expect(table.insert(address, unpackable) == reference.updateValue(kept(unpackable, contents), forKey: address))
    }
    #expect(table.count == reference.count)
    missing = reference.filter { table[$0.key] != $0.value }.count
    #expect(missing == 0)
    var seen: [UInt64: LiveBlock] = [:]
    table.forEach { seen[$0] = $1 }
    #expect(seen == reference)
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
