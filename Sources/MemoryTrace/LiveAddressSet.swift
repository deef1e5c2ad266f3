// The addresses of the blocks live in the merged stream so far: what the reader of a version 6
// capture checks a clock-keyed record against before it delivers it (RecordDecoder+Sequenced.swift).

/// A set of block addresses, open addressing with linear probing.
///
/// It sits on the reader's path for every ALLOC and FREE of a sequenced capture, so it is a flat
/// table of addresses (0 marks an empty slot; the address 0 itself is kept beside it), half full at
/// most, with a multiplicative hash and deletion by shifting the following entries back (no
/// tombstones: a table that churns through millions of blocks stays as fast as a fresh one).
struct LiveAddressSet {
  private var slots: [UInt64]
  private var shift: UInt64
  private(set) var count = 0
  private var containsZero = false

  init() {
    slots = [UInt64](repeating: 0, count: 1024)
    shift = 64 - 10
  }

  private func home(_ address: UInt64) -> Int { Int(truncatingIfNeeded: (address &* 0x9E37_79B9_7F4A_7C15) >> shift) }

  func contains(_ address: UInt64) -> Bool {
    if address == 0 { return containsZero }
    let mask = slots.count - 1
    var index = home(address)
    while true {
      let slot = slots[index]
      if slot == address { return true }
      if slot == 0 { return false }
      index = (index + 1) & mask
    }
  }

  mutating func insert(_ address: UInt64) {
    if address == 0 {
      if !containsZero { count += 1 }
      containsZero = true
      return
    }
    if (count + 1) * 2 > slots.count { grow() }
    let mask = slots.count - 1
    var index = home(address)
    while true {
      let slot = slots[index]
      if slot == address { return }
      if slot == 0 {
        slots[index] = address
        count += 1
        return
      }
      index = (index + 1) & mask
    }
  }

  mutating func remove(_ address: UInt64) {
    if address == 0 {
      if containsZero { count -= 1 }
      containsZero = false
      return
    }
    let mask = slots.count - 1
    var index = home(address)
    while true {
      let slot = slots[index]
      if slot == 0 { return }
      if slot == address { break }
      index = (index + 1) & mask
    }
    count -= 1
    // Close the gap: an entry after it moves back into it unless its home lies cyclically in
    // (gap, entry], where a lookup starting at its home would never pass the gap.
    var gap = index
    var next = (gap + 1) & mask
    while slots[next] != 0 {
      let wanted = home(slots[next])
      let stays = gap <= next ? (wanted > gap && wanted <= next) : (wanted > gap || wanted <= next)
      if !stays {
        slots[gap] = slots[next]
        gap = next
      }
      next = (next + 1) & mask
    }
    slots[gap] = 0
  }

  mutating func removeAll() {
    self = LiveAddressSet()
  }

  private mutating func grow() {
    let old = slots
    slots = [UInt64](repeating: 0, count: old.count * 2)
    shift -= 1
    let mask = slots.count - 1
    for address in old where address != 0 {
      var index = home(address)
      while slots[index] != 0 { index = (index + 1) & mask }
      slots[index] = address
    }
  }
}
