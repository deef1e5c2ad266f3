import MemoryTrace
import Testing

/// Version 6: keys at or above 2^62 are clock keys (the time stamp counter, unfenced): not dense,
/// they may repeat, and across threads they are only nearly the program's order. The reader merges
/// by key, delivers clock keys up to the skew below the last SYNC, and holds back a record that
/// would break a rule of the order until the rule holds.
@Suite("Clock keys (format version 6)")
struct ClockKeyTests {
  /// Chunks as the tracker writes them; its keys here are never one apart within a chunk (the
  /// helper would mark such a record "the next number", which after a clock key means the same key).
  typealias Chunk = ChunkedCaptureTests.Chunk
  static let base: UInt64 = 1 << 62
  /// How far the delivered keys pass a waiting record before the reader stops waiting.
  static let patience: UInt64 = 1 << 12
  /// How far after a FREE the ALLOC it waits for may be keyed; clock keys go out this far below SYNC.
  static let skew: UInt64 = 8

  /// The SYNC after which every record keyed up to `key` is delivered.
  static func sync(past key: UInt64) -> [UInt8] { ChunkedCaptureTests.sync(key + skew + 1) }

  static func capture(_ parts: [[UInt8]]) -> [UInt8] {
    CaptureWriter.encode(CaptureHeader(version: 6, pid: 4242, parentPID: 1)) + parts.flatMap { $0 }
  }

  /// The ALLOC, FREE and FRAME records delivered, without thread switches.
  func events(_ parts: [[UInt8]], fileMayGrow: Bool = true) throws -> [CaptureEvent] {
    try ChunkedCaptureTests().read(Self.capture(parts), fileMayGrow: fileMayGrow).filter {
      switch $0 {
      case .alloc, .free, .frame: true
      default: false
      }
    }
  }

  static func alloc(_ address: UInt64, _ size: UInt64, thread: UInt64, stack: UInt32 = 0) -> CaptureEvent {
    .alloc(AllocationEvent(kind: .malloc, address: address, size: size, stack: stack, thread: thread))
  }

  static func free(_ address: UInt64, thread: UInt64, kind: DeallocationKind = .free) -> CaptureEvent {
    .free(DeallocationEvent(kind: kind, address: address, thread: thread))
  }

  @Test("counter numbers come before clock keys, and a clock key waits for a SYNC the skew above it")
  func counterThenClock() throws {
    var first = Chunk(thread: 1)
    first.alloc(0, address: 0x50, size: 5)
    first.alloc(Self.base + 10, address: 0x100, size: 10)
    var late = Chunk(thread: 3)
    late.alloc(1, address: 0x60, size: 6)  // a counter key taken by a thread that had not seen the switch
    var second = Chunk(thread: 2)
    second.alloc(Self.base + 7, address: 0x200, size: 20)
    let parts = [first.bytes, second.bytes, late.bytes]
    #expect(
      try events(parts) == [Self.alloc(0x50, 5, thread: 1), Self.alloc(0x60, 6, thread: 3)],
      "counter numbers go out as each is the next one; no clock key without a SYNC above it")
    #expect(
      try events(parts + [ChunkedCaptureTests.sync(Self.base + 8)])
        == [Self.alloc(0x50, 5, thread: 1), Self.alloc(0x60, 6, thread: 3)],
      "a clock key within the skew below the SYNC waits: a record keyed just after it may not be read yet")
    #expect(
      try events(parts + [Self.sync(past: Self.base + 7)])
        == [Self.alloc(0x50, 5, thread: 1), Self.alloc(0x60, 6, thread: 3), Self.alloc(0x200, 20, thread: 2)],
      "past the skew: counter numbers first, then clock keys in order; base + 10 still waits")
  }

  @Test("equal keys go in the order of the file's chunks, and each thread's records in its own order")
  func equalKeysKeepTheFilesOrder() throws {
    var first = Chunk(thread: 1)
    first.alloc(Self.base + 1, address: 0x10, size: 1)
    first.alloc(Self.base + 3, address: 0x20, size: 2)
    first.alloc(Self.base + 3, address: 0x30, size: 3)
    var other = Chunk(thread: 2)
    other.alloc(Self.base + 1, address: 0x40, size: 4)
    other.alloc(Self.base + 3, address: 0x50, size: 5)
    var second = Chunk(thread: 1)
    second.alloc(Self.base + 3, address: 0x60, size: 6)
    second.alloc(Self.base + 5, address: 0x70, size: 7)
    #expect(
      try events([first.bytes, other.bytes, second.bytes, Self.sync(past: Self.base + 9)])
        == [
          Self.alloc(0x10, 1, thread: 1), Self.alloc(0x40, 4, thread: 2), Self.alloc(0x20, 2, thread: 1),
          Self.alloc(0x30, 3, thread: 1), Self.alloc(0x50, 5, thread: 2), Self.alloc(0x60, 6, thread: 1),
          Self.alloc(0x70, 7, thread: 1),
        ])
  }

  @Test("a FREE keyed before its ALLOC on another thread waits for it, and its thread's next records wait behind it")
  func freeBeforeItsAllocation() throws {
    for freerFirst in [true, false] {
      var freeing = Chunk(thread: 2)
      freeing.free(Self.base + 5, address: 0x100)
      freeing.alloc(Self.base + 7, address: 0x500, size: 50)
      var allocating = Chunk(thread: 1)
      allocating.alloc(Self.base + 9, address: 0x100, size: 16)
      allocating.alloc(Self.base + 12, address: 0x300, size: 30)
      let parts = freerFirst ? [freeing.bytes, allocating.bytes] : [allocating.bytes, freeing.bytes]
      #expect(
        try events(parts + [Self.sync(past: Self.base + 20)])
          == [
            Self.alloc(0x100, 16, thread: 1), Self.free(0x100, thread: 2), Self.alloc(0x500, 50, thread: 2),
            Self.alloc(0x300, 30, thread: 1),
          ])
    }
  }

  @Test("an ALLOC of an address still live waits for another thread's FREE of it, even at an equal key")
  func allocationBeforeTheFreeOfItsAddress() throws {
    for key in [Self.base + 5, Self.base + 8] {
      var first = Chunk(thread: 1)
      first.alloc(Self.base + 1, address: 0x100, size: 16)
      first.free(Self.base + 8, address: 0x100)
      var second = Chunk(thread: 2)
      second.alloc(key, address: 0x100, size: 24)
      #expect(
        try events([first.bytes, second.bytes, Self.sync(past: Self.base + 9)])
          == [Self.alloc(0x100, 16, thread: 1), Self.free(0x100, thread: 1), Self.alloc(0x100, 24, thread: 2)])
    }
  }

  @Test("a realloc keyed before the ALLOC of its old block waits as a pair, never split")
  func reallocPairWaits() throws {
    var reallocating = Chunk(thread: 1)
    reallocating.free(Self.base + 3, .realloc, address: 0x100)
    reallocating.alloc(Self.base + 5, .realloc, address: 0x200, size: 40)
    var allocating = Chunk(thread: 2)
    allocating.alloc(Self.base + 6, address: 0x100, size: 16)
    allocating.alloc(Self.base + 8, address: 0x700, size: 70)
    #expect(
      try events([reallocating.bytes, allocating.bytes, Self.sync(past: Self.base + 10)])
        == [
          Self.alloc(0x100, 16, thread: 2), Self.free(0x100, thread: 1, kind: .realloc),
          .alloc(AllocationEvent(kind: .realloc, address: 0x200, size: 40, stack: 0, thread: 1)),
          Self.alloc(0x700, 70, thread: 2),
        ])
  }

  @Test("a stack naming a node another thread defines at a later key waits for its FRAME")
  func stackBeforeItsFrame() throws {
    var using = Chunk(thread: 1)
    using.alloc(Self.base + 2, address: 0x100, size: 10, stack: 1)
    var defining = Chunk(thread: 2)
    defining.frame(parent: 0, ipDelta: 0x401000)
    defining.alloc(Self.base + 5, address: 0x200, size: 20, stack: 1)
    let delivered = try events([using.bytes, defining.bytes, Self.sync(past: Self.base + 9)])
    #expect(delivered.count == 3)
    #expect(delivered.first == .frame(FrameEvent(node: 1, parent: 0, ip: 0x401000)))
    #expect(Set(delivered.dropFirst().map { "\($0)" }).count == 2)
    #expect(delivered.contains(Self.alloc(0x100, 10, thread: 1, stack: 1)))
  }

  @Test("a FREE of a block not live goes at once when no other thread allocates its address within the skew")
  func freeWithoutAllocationNearGoes() throws {
    var freeing = Chunk(thread: 1)
    freeing.free(Self.base + 5, address: 0xdead0)
    freeing.alloc(Self.base + 7, address: 0x100, size: 10)
    var other = Chunk(thread: 2)
    other.alloc(Self.base + 6, address: 0x200, size: 20)
    other.alloc(Self.base + 5 + Self.skew + 1, address: 0xdead0, size: 30)  // too far after it to be its ALLOC
    #expect(
      try events([freeing.bytes, other.bytes, Self.sync(past: Self.base + 7)])
        == [Self.free(0xdead0, thread: 1), Self.alloc(0x200, 20, thread: 2), Self.alloc(0x100, 10, thread: 1)],
      "an unknown free (a block allocated before the tracker started), read in key order")
  }

  @Test("a block allocated on the counter and freed on the clock is freed in key order, not held")
  func counterBlockFreedOnTheClock() throws {
    var first = Chunk(thread: 1)
    first.alloc(0, address: 0x100, size: 10)
    first.alloc(Self.base + 4, address: 0x300, size: 30)
    var freeing = Chunk(thread: 2)
    freeing.free(Self.base + 2, address: 0x100)
    freeing.alloc(Self.base + 6, address: 0x400, size: 40)
    #expect(
      try events([first.bytes, freeing.bytes, Self.sync(past: Self.base + 6)])
        == [
          Self.alloc(0x100, 10, thread: 1), Self.free(0x100, thread: 2), Self.alloc(0x300, 30, thread: 1),
          Self.alloc(0x400, 40, thread: 2),
        ])
  }

  @Test("a FREE_BACK waits like a FREE for another thread's ALLOC of its address just after it (a block handed back)")
  func freeBackIsChecked() throws {
    var own = Chunk(thread: 1)
    own.alloc(Self.base + 1, address: 0x100, size: 10)
    own.freeBack(Self.base + 4, back: 1, address: 0x100)  // the block thread 3 allocated and handed back
    var freeing = Chunk(thread: 2)
    freeing.free(Self.base + 2, address: 0x100)
    var allocating = Chunk(thread: 3)
    allocating.alloc(Self.base + 6, address: 0x100, size: 20)
    #expect(
      try events([own.bytes, freeing.bytes, allocating.bytes, Self.sync(past: Self.base + 6)])
        == [
          Self.alloc(0x100, 10, thread: 1), Self.free(0x100, thread: 2), Self.alloc(0x100, 20, thread: 3),
          Self.free(0x100, thread: 1),
        ])
  }

  @Test(
    "an ALLOC of an address live whose FREE never comes waits until the keys pass it by the bound, or the capture ends")
  func allocationOfLiveAddressGivesUp() throws {
    var first = Chunk(thread: 1)
    first.alloc(Self.base + 1, address: 0x100, size: 10)
    var second = Chunk(thread: 2)
    second.alloc(Self.base + 5, address: 0x100, size: 20)  // its FREE was never recorded
    second.alloc(Self.base + 7, address: 0x300, size: 30)
    var third = Chunk(thread: 3)
    third.alloc(Self.base + 7, address: 0x200, size: 20)
    let parts = [first.bytes, second.bytes, third.bytes]
    #expect(
      try events(parts + [Self.sync(past: Self.base + 10)])
        == [Self.alloc(0x100, 10, thread: 1), Self.alloc(0x200, 20, thread: 3)],
      "the ALLOC and what its thread wrote after it wait; the other threads go on")
    let passed = ChunkedCaptureTests.sync(Self.base + 6 + Self.patience)
    let all = [
      Self.alloc(0x100, 10, thread: 1), Self.alloc(0x200, 20, thread: 3), Self.alloc(0x100, 20, thread: 2),
      Self.alloc(0x300, 30, thread: 2),
    ]
    #expect(
      try events(parts + [Self.sync(past: Self.base + 10), passed]) == all,
      "past the bound it is read as it is")
    #expect(
      try events(parts + [Self.sync(past: Self.base + 10)], fileMayGrow: false) == all,
      "a finished file delivers what still waits")
  }
}
