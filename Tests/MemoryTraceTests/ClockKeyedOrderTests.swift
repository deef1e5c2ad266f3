import MemoryTrace
import Testing
import WorkshopTestSupport

/// Version 6: records keyed by epochs of the tracker's counter (keys repeat, and a thread's key may
/// run ahead of or behind another's), the events at each address ordered by their stripe numbers.
@Suite("Clock keys with stripe numbers (format version 6)")
struct ClockKeyedOrderTests {
  static let base: UInt64 = 1 << 62

  /// One chunk of clock-keyed records, written as the tracker writes them: a key repeated from the
  /// previous record is the tag's flag alone; an ALLOC or FREE ends with its stripe number, written
  /// against the next one the chunk expects for that stripe.
  struct ClockChunk {
    var records = CaptureWriter(header: nil)
    var key: UInt64 = 0
    var address: UInt64 = 0
    var stripeNext: [Int: UInt64] = [:]
    let thread: UInt64

    init(thread: UInt64) { self.thread = thread }

    static func stripe(of address: UInt64) -> Int { Int((address >> 26) & 255) }

    mutating func keyed(_ tag: UInt8, _ key: UInt64) {
      defer { self.key = key }
      if key == self.key && self.key >= ClockKeyedOrderTests.base && tag & 0x70 != 0 {
        records.bytes.append(tag | 0x80)
        return
      }
      records.bytes.append(tag)
      records.uv(key - self.key)
    }

    mutating func stripeNumber(_ number: UInt64, of address: UInt64) {
      let stripe = Self.stripe(of: address)
      records.uv(number - stripeNext[stripe, default: 0])
      stripeNext[stripe] = number + 1
    }

    mutating func alloc(
      _ key: UInt64, _ kind: AllocationKind = .malloc, address: UInt64, size: UInt64, stack: UInt64 = 0,
      stripeNumber: UInt64
    ) {
      keyed(0x10 | kind.rawValue, key)
      records.sv(Int64(bitPattern: address &- self.address))
      self.address = address
      records.uv(size)
      records.uv(stack)
      self.stripeNumber(stripeNumber, of: address)
    }

    mutating func free(_ key: UInt64, _ kind: DeallocationKind = .free, address: UInt64, stripeNumber: UInt64) {
      keyed(0x20 | kind.rawValue, key)
      records.sv(Int64(bitPattern: address &- self.address))
      self.address = address
      self.stripeNumber(stripeNumber, of: address)
    }

    /// A realloc() that failed: its FREE's stripe number, with no event.
    mutating func stripeOnly(_ key: UInt64, address: UInt64, stripeNumber: UInt64) {
      keyed(0x0e, key)
      records.uv(UInt64(Self.stripe(of: address)))
      self.stripeNumber(stripeNumber, of: address)
    }

    mutating func frame(parent: UInt64, ipDelta: Int64) {
      records.bytes.append(0x02)
      records.uv(parent)
      records.sv(ipDelta)
    }

    var bytes: [UInt8] {
      var chunk = CaptureWriter(header: nil)
      chunk.bytes.append(0x0b)
      chunk.uv(thread)
      chunk.uv(thread)
      chunk.uv(UInt64(records.bytes.count))
      return chunk.bytes + records.bytes
    }
  }

  static func capture(_ parts: [[UInt8]]) -> [UInt8] {
    CaptureWriter.encode(CaptureHeader(version: 6, pid: 4242, parentPID: 1)) + parts.flatMap { $0 }
  }

  func read(_ bytes: [UInt8]) throws -> [CaptureEvent] {
    let scratch = ScratchDirectory()
    let reader = try CaptureReader(path: scratch.write(bytes, to: "c.bin"))
    var collector = CaptureEventCollector()
    try reader.read(into: &collector)
    return collector.events.compactMap {
      switch $0 {
      case .alloc, .free: $0
      default: nil
      }
    }
  }

  @Test("a FREE keyed before its ALLOC on another thread waits for it: the stripe says which came first")
  func freeKeyedEarly() throws {
    let stripeAddress: UInt64 = 3 << 26 | 0x40
    var producer = ClockChunk(thread: 1)
    producer.alloc(Self.base + 9, address: stripeAddress, size: 32, stripeNumber: 0)
    var consumer = ClockChunk(thread: 2)
    consumer.free(Self.base + 7, address: stripeAddress, stripeNumber: 1)
    consumer.alloc(Self.base + 8, address: 0x5000, size: 8, stripeNumber: 0)
    let events = try read(
      Self.capture([consumer.bytes, producer.bytes, ChunkedCaptureTests.sync(Self.base + 10)]))
    // The consumer's next ALLOC waits behind its FREE: a thread's records keep their order.
    #expect(
      events == [
        .alloc(AllocationEvent(kind: .malloc, address: stripeAddress, size: 32, stack: 0, thread: 1)),
        .free(DeallocationEvent(kind: .free, address: stripeAddress, thread: 2)),
        .alloc(AllocationEvent(kind: .malloc, address: 0x5000, size: 8, stack: 0, thread: 2)),
      ])
  }

  @Test("a record waits for a SYNC above its key; counter keys before it go first")
  func syncAndCounterKeys() throws {
    var early = ChunkedCaptureTests.Chunk(thread: 1)
    early.alloc(0, address: 0x1000, size: 1)
    early.alloc(1, address: 0x2000, size: 2)
    var late = ClockChunk(thread: 2)
    late.alloc(Self.base + 5, address: 0x3000, size: 3, stripeNumber: 0)
    late.alloc(Self.base + 5, address: 0x4000, size: 4, stripeNumber: 1)
    let beforeSync = try read(Self.capture([early.bytes, late.bytes, ChunkedCaptureTests.sync(Self.base + 5)]))
    #expect(beforeSync.count == 4, "the end of the file delivers everything")
    let sizes = beforeSync.compactMap { if case .alloc(let a) = $0 { a.size } else { nil } }
    #expect(sizes == [1, 2, 3, 4])
  }

  @Test("a failed realloc's stripe number (STRIPE) lets the stripe go on")
  func stripeRecord() throws {
    var first = ClockChunk(thread: 1)
    first.alloc(Self.base + 1, address: 0x1000, size: 16, stripeNumber: 0)
    first.stripeOnly(Self.base + 2, address: 0x1000, stripeNumber: 1)
    var second = ClockChunk(thread: 2)
    second.free(Self.base + 1, address: 0x1000, stripeNumber: 2)
    let events = try read(Self.capture([second.bytes, first.bytes, ChunkedCaptureTests.sync(Self.base + 3)]))
    #expect(
      events == [
        .alloc(AllocationEvent(kind: .malloc, address: 0x1000, size: 16, stack: 0, thread: 1)),
        .free(DeallocationEvent(kind: .free, address: 0x1000, thread: 2)),
      ])
  }

  @Test("a stack node defined by another thread's record is delivered before the ALLOC that names it")
  func nodeBeforeUse() throws {
    var definer = ClockChunk(thread: 1)
    definer.frame(parent: 0, ipDelta: 0x4000)
    definer.alloc(Self.base + 6, address: 0x1000, size: 1, stack: 1, stripeNumber: 0)
    var user = ClockChunk(thread: 2)
    user.alloc(Self.base + 4, address: 0x2000, size: 2, stack: 1, stripeNumber: 1)
    let scratch = ScratchDirectory()
    let reader = try CaptureReader(
      path: scratch.write(
        Self.capture([user.bytes, definer.bytes, ChunkedCaptureTests.sync(Self.base + 7)]), to: "c.bin"))
    var check = DeliveredOrderCheck()
    try reader.read(into: &check)
    #expect(check.framesAfterUse == 0)
    #expect(check.allocations == 2)
  }

  @Test("before version 6 a key at or above 2^62 is a counter number: no stripe field is read after it")
  func largeKeysBeforeVersionSix() throws {
    // Written as a version 3 tracker writes records (no stripe numbers); read as clock-keyed
    // records, the stripe field would swallow the next record's first byte.
    var chunk = ChunkedCaptureTests.Chunk(thread: 1)
    chunk.alloc(Self.base + 1, address: 0x1000, size: 24)
    chunk.alloc(Self.base + 2, address: 0x2000, size: 40)
    chunk.free(Self.base + 3, address: 0x1000)
    let events = try read(ChunkedCaptureTests.capture([chunk.bytes, ChunkedCaptureTests.sync(Self.base + 4)]))
    #expect(
      events == [
        .alloc(AllocationEvent(kind: .malloc, address: 0x1000, size: 24, stack: 0, thread: 1)),
        .alloc(AllocationEvent(kind: .malloc, address: 0x2000, size: 40, stack: 0, thread: 1)),
        .free(DeallocationEvent(kind: .free, address: 0x1000, thread: 1)),
      ])
  }

  @Test("racing threads with skewed epoch keys read back in an exact order", arguments: 0..<32)
  func racing(seed: UInt64) throws {
    var program = RacingProgram(seed: seed, threads: 4, addresses: 9, stripes: 3)
    program.run(steps: 3_000)
    let (parts, last) = program.clockChunksInFileOrder(epochSpan: 6, skew: 3)
    try program.expectReadInExactOrder(Self.capture(parts + [ChunkedCaptureTests.sync(last + 1)]))
  }
}

extension RacingProgram {
  /// The same records with clock keys: each event's epoch (its number / `epochSpan`), moved by up
  /// to `skew` epochs either way per thread and never falling within a thread, and its stripe
  /// number (the events of its address's stripe counted in number order). Chunks cut and
  /// interleaved as ``chunksInFileOrder()`` does, with SYNCs below every key not yet written.
  mutating func clockChunksInFileOrder(epochSpan: UInt64, skew: UInt64) -> (parts: [[UInt8]], lastKey: UInt64) {
    let (chunksByThread, lastKey) = clockChunksByThread(epochSpan: epochSpan, skew: skew)
    return (interleave(chunksByThread, end: lastKey + 1), lastKey)
  }

  /// The same records with clock keys and stripe numbers, as ``clockChunksInFileOrder(epochSpan:skew:)``
  /// writes them: each thread's chunks in its order, with the first key of each, and the last key.
  mutating func clockChunksByThread(epochSpan: UInt64, skew: UInt64) -> (
    chunks: [[(bytes: [UInt8], first: UInt64)]], lastKey: UInt64
  ) {
    var stripeCounts: [Int: UInt64] = [:]
    var stripeNumbers: [UInt64: UInt64] = [:]  // by event number
    let everyEvent = records.flatMap { $0 }.map { event -> (UInt64, UInt64) in
      switch event {
      case .alloc(let number, _, let address), .free(let number, _, let address): (number, address)
      }
    }.sorted { $0.0 < $1.0 }
    for (number, address) in everyEvent {
      let stripe = ClockKeyedOrderTests.ClockChunk.stripe(of: address)
      stripeNumbers[number] = stripeCounts[stripe, default: 0]
      stripeCounts[stripe, default: 0] += 1
    }
    var chunksByThread: [[(bytes: [UInt8], first: UInt64)]] = []
    var lastKey = ClockKeyedOrderTests.base
    for (thread, events) in records.enumerated() {
      var chunks: [(bytes: [UInt8], first: UInt64)] = []
      var chunk = ClockKeyedOrderTests.ClockChunk(thread: UInt64(thread + 1))
      var key = ClockKeyedOrderTests.base
      var first: UInt64? = nil
      for (index, event) in events.enumerated() {
        let number: UInt64
        switch event {
        case .alloc(let eventNumber, _, _), .free(let eventNumber, _, _): number = eventNumber
        }
        let epoch = number / epochSpan + skew
        let skewed = epoch + random.next() % (2 * skew + 1) - skew
        key = max(key, ClockKeyedOrderTests.base + skewed)
        lastKey = max(lastKey, key)
        switch event {
        case .alloc(_, let kind, let address):
          chunk.alloc(key, kind, address: address, size: 16, stripeNumber: stripeNumbers[number]!)
        case .free(_, let kind, let address):
          chunk.free(key, kind, address: address, stripeNumber: stripeNumbers[number]!)
        }
        if first == nil { first = key }
        if !Self.splitsAPair(events, after: index) && random.next() % 16 == 0 {
          chunks.append((chunk.bytes, first!))
          chunk = ClockKeyedOrderTests.ClockChunk(thread: UInt64(thread + 1))
          first = nil
        }
      }
      if let first { chunks.append((chunk.bytes, first)) }
      chunksByThread.append(chunks)
    }
    return (chunksByThread, lastKey)
  }
}
