/// Location keys to location numbers: open addressing with linear probing over a table that stays
/// small (a capture has a few thousand distinct instructions), so that two million lookups do not
/// each hash with a seeded SipHash.
struct LocationKeyTable {
  private var addresses: [UInt64] = Array(repeating: 0, count: 64)
  private var modules: [Int32] = Array(repeating: 0, count: 64)
  /// The number stored in each slot, -1 for an empty slot.
  private var numbers: [Int32] = Array(repeating: -1, count: 64)
  private var count = 0

  /// The number stored for `key`, if any.
  func value(for key: StackLocationKey) -> Int32? {
    let mask = numbers.count - 1
    var slot = Self.slot(key, mask)
    while numbers[slot] >= 0 {
      if addresses[slot] == key.address && modules[slot] == key.module { return numbers[slot] }
      slot = (slot + 1) & mask
    }
    return nil
  }

  /// Stores `number` (0 or more) for `key`, which is not in the table yet.
  mutating func insert(_ number: Int32, for key: StackLocationKey) {
    if (count + 1) * 2 > numbers.count { grow() }
    let mask = numbers.count - 1
    var slot = Self.slot(key, mask)
    while numbers[slot] >= 0 { slot = (slot + 1) & mask }
    addresses[slot] = key.address
    modules[slot] = key.module
    numbers[slot] = number
    count += 1
  }

  private static func slot(_ key: StackLocationKey, _ mask: Int) -> Int {
    let mixed = (key.address ^ UInt64(UInt32(bitPattern: key.module)) << 47) &* 0x9E37_79B9_7F4A_7C15
    return Int(truncatingIfNeeded: mixed >> 32) & mask
  }

  private mutating func grow() {
    let old = (addresses, modules, numbers)
    let capacity = numbers.count * 2
    addresses = Array(repeating: 0, count: capacity)
    modules = Array(repeating: 0, count: capacity)
    numbers = Array(repeating: -1, count: capacity)
    count = 0
    for slot in old.2.indices where old.2[slot] >= 0 {
      insert(old.2[slot], for: StackLocationKey(module: old.1[slot], address: old.0[slot]))
    }
  }
}
