import Foundation
import Testing
import WorkshopTestSupport

@testable import MemoryTrace

/// Version 7: a version 6 capture (clock keys with stripe numbers) on its way into zstd. Chunks with
/// clock keys are packed in the first layout with stripe columns; counter-keyed ones as in version 5.
@Suite("Packed chunks of clock-keyed captures (format version 7)")
struct ClockKeyedPackingTests {
  typealias ClockChunk = ClockKeyedOrderTests.ClockChunk
  static let base = ClockKeyedOrderTests.base

  /// One stream's records as the `switch` order writes them: counter keys while one thread records
  /// (no stripe numbers), then clock keys (a repeated key in the tag alone, stripe numbers after
  /// ALLOC, FREE and FREE_BACK), a FREE_BACK, a failed realloc's STRIPE, a realloc pair, FRAMEs and
  /// rarely written numbered records among them.
  static func switchingChunkRecords() -> [UInt8] {
    var counter = ChunkedCaptureTests.Chunk(thread: 1)
    counter.records.bytes.append(0x03)
    counter.records.uv(4321)
    counter.frame(parent: 0, ipDelta: 0x55_5555_1000)
    counter.alloc(0, address: 0x5555_0000, size: 100, stack: 1)
    counter.alloc(1, .calloc, address: 0x5555_0070, size: 200, stack: 1)
    counter.freeBack(2, back: 1, address: 0x5555_0070)
    counter.numbered(0x06, 3)
    counter.records.string("before the switch")
    var clock = ClockChunk(thread: 1)
    clock.records = counter.records
    clock.key = counter.number
    clock.address = counter.address
    clock.alloc(base + 10, address: 0x7f00_0400_0010, size: 1 << 40, stack: 1, stripeNumber: 3)
    clock.alloc(base + 10, .posixMemalign, address: 0x7f00_0400_1008, size: 7, stack: 0, stripeNumber: 4)
    clock.frame(parent: 1, ipDelta: -0x10)
    clock.alloc(base + 11, address: 0x5555_0100, size: 16, stack: 2, stripeNumber: 0)
    // A FREE_BACK of the stream's first ALLOC (5 back), clock-keyed: its stripe number ends it.
    clock.keyed(0x30, base + 11)
    clock.records.uv(5)
    clock.address = 0x5555_0000
    clock.stripeNumber(1, of: 0x5555_0000)
    clock.stripeOnly(base + 12, address: 0x7f00_0400_0010, stripeNumber: 9)
    clock.free(base + 12, .realloc, address: 0x7f00_0400_0010, stripeNumber: 10)
    clock.alloc(base + 12, .realloc, address: 0x7f00_0800_0000, size: 64, stack: 2, stripeNumber: 0)
    clock.free(base + 300_000, address: 0x5555_0100, stripeNumber: 2)
    clock.keyed(0x04, base + 300_001)
    clock.records.uv(1500)
    clock.records.uv(1 << 30)
    clock.records.uv(0)
    clock.keyed(0x08, base + 300_002)
    clock.records.uv(77)
    return clock.records.bytes
  }

  func roundTrip(_ records: [UInt8], clockKeys: Bool) -> (body: [UInt8], unpacked: [UInt8])? {
    var packer = ChunkPacker()
    defer { packer.deallocate() }
    guard records.withUnsafeBytes({ packer.pack($0, clockKeys: clockKeys) }) else { return nil }
    var unpacked = [UInt8](repeating: 0, count: records.count)
    let body = packer.packed
    let fits = body.withUnsafeBytes { packed in
      unpacked.withUnsafeMutableBytes { ChunkUnpacker.unpack(packed, into: $0) }
    }
    return fits ? (body, unpacked) : nil
  }

  @Test("a chunk that switches to clock keys packs with stripe columns and unpacks to the same bytes")
  func switchingChunk() throws {
    let records = Self.switchingChunkRecords()
    let packed = try #require(roundTrip(records, clockKeys: true))
    #expect(packed.unpacked == records)
    #expect(Array(packed.body.prefix(2)) == PackedChunk.stripeColumnsMarker)
    // A chunk without a clock key too; and the same layout refused where its stripe numbers are
    // not where the keys say (a counter-keyed record with one, read as a tag).
    var counterOnly = ChunkedCaptureTests.Chunk(thread: 2)
    counterOnly.alloc(0, address: 0x10, size: 1)
    counterOnly.free(1, address: 0x10)
    #expect(roundTrip(counterOnly.records.bytes, clockKeys: true)?.unpacked == counterOnly.records.bytes)
    var misplaced = ClockChunk(thread: 3)
    misplaced.alloc(5, address: 0x7f00_0000_0000, size: 1, stripeNumber: 0x40)
    #expect(roundTrip(misplaced.records.bytes, clockKeys: true) == nil)
    // A STRIPE record below the base is not what the tracker writes.
    #expect(roundTrip([0x0e, 0x05, 0x00, 0x00], clockKeys: true) == nil)
  }

  @Test("damaged stripe-column bodies are refused, never read past their bytes", arguments: 0..<4)
  func damagedBodies(seed: UInt64) throws {
    let records = Self.switchingChunkRecords()
    let body = try #require(roundTrip(records, clockKeys: true)).body
    var random = SplitMix(seed: seed)
    var refused = 0
    for _ in 0..<300 {
      var damaged = body
      let index = 2 + Int(random.next() % UInt64(damaged.count - 2))
      damaged[index] ^= UInt8(truncatingIfNeeded: 1 + random.next() % 255)
      if random.next() % 4 == 0 { damaged.removeLast(Int(random.next() % 8)) }
      var unpacked = [UInt8](repeating: 0, count: records.count)
      let fits = damaged.withUnsafeBytes { packed in
        unpacked.withUnsafeMutableBytes { ChunkUnpacker.unpack(packed, into: $0) }
      }
      if !fits { refused += 1 }
    }
    #expect(refused > 100, "most damage is caught by the unpacker itself; the rest by the decoder")
  }

  /// The plain capture's bytes through the repacker, as the compressor feeds zstd.
  func repacked(_ bytes: [UInt8], policy: CaptureRepacker.Policy, pieces: Int = 1) -> [UInt8] {
    PackedChunkTests().repacked(bytes, policy: policy, pieces: pieces)
  }

  func events(_ bytes: [UInt8]) throws -> (version: UInt16?, events: [CaptureEvent]) {
    let scratch = ScratchDirectory()
    let reader = try CaptureReader(path: scratch.write(bytes, to: "c.bin"))
    // These captures have no END: both read as cut short, which is no matter here.
    let events = try reader.readEvents().events
    return (reader.header?.version, events)
  }

  @Test(
    "racing threads' clock-keyed captures read the same packed, whichever layout the capture chose",
    arguments: 0..<12)
  func racing(seed: UInt64) throws {
    var program = RacingProgram(seed: seed, threads: 4, addresses: 9, stripes: 3)
    program.run(steps: 3_000)
    let (parts, last) = program.clockChunksInFileOrder(epochSpan: 6, skew: 3)
    let plain = ClockKeyedOrderTests.capture(parts + [ChunkedCaptureTests.sync(last + 1)])
    let expected = try events(plain).events
    for policy in [CaptureRepacker.Policy.always, .whereSmaller, .whereSmallerElidingAddresses] {
      let packed = repacked(plain, policy: policy, pieces: 5)
      let read = try events(packed)
      #expect(read.version == CaptureFormat.clockPackedVersion)
      #expect(read.events.dropFirst() == expected.dropFirst(), "\(policy)")
      if policy == .always { #expect(packed.filter { $0 == CaptureFormat.columnsTag }.count >= parts.count / 2) }
    }
  }

  @Test("an ALLOC left out before the switch and freed again by a clock-keyed FREE_BACK reads as its address")
  func leftOutThenClockKeyed() throws {
    var first = ChunkedCaptureTests.Chunk(thread: 1)
    first.alloc(0, address: 0x1000, size: 16)
    first.freeBack(1, back: 1, address: 0x1000)
    first.alloc(2, address: 0x2000, size: 32)
    var other = ChunkedCaptureTests.Chunk(thread: 2)
    other.alloc(3, address: 0x1000, size: 16)
    // Thread 1 frees thread 2's block at 0x1000 by FREE_BACK (its stream's ALLOC 2 back), with
    // clock keys now.
    var second = ClockChunk(thread: 1)
    second.keyed(0x30, Self.base + 10)
    second.records.uv(2)
    second.address = 0x1000
    second.stripeNumber(0, of: 0x1000)
    second.alloc(Self.base + 10, address: 0x3000, size: 48, stripeNumber: 1)
    let plain = ClockKeyedOrderTests.capture([
      first.bytes, other.bytes, ChunkedCaptureTests.sync(4), second.bytes, ChunkedCaptureTests.sync(Self.base + 11),
    ])
    let expected = try events(plain).events
    let packed = repacked(plain, policy: .always)
    #expect(packed.filter { $0 == CaptureFormat.columnsTag }.count >= 3)
    let read = try events(packed)
    #expect(read.version == CaptureFormat.clockPackedVersion)
    #expect(ElidedAddressTests.standInCount(read.events, matching: expected) == 1, "the first ALLOC left out")
    let frees = read.events.compactMap { if case .free(let free) = $0 { free.address } else { nil } }
    #expect(frees == [ElidedAddresses.standIn(stream: 1, ordinal: 0), 0x1000])
  }

  @Test("damaged version 7 captures are one sentence, never a crash", arguments: 0..<4)
  func damagedCaptures(seed: UInt64) throws {
    var program = RacingProgram(seed: seed, threads: 3, addresses: 12, stripes: 2)
    program.run(steps: 400)
    let (parts, last) = program.clockChunksInFileOrder(epochSpan: 4, skew: 2)
    let switching = Self.switchingChunkRecords()
    var chunk = CaptureWriter(header: nil)
    chunk.bytes.append(CaptureFormat.chunkTag)
    chunk.uv(9)
    chunk.uv(9)
    chunk.uv(UInt64(switching.count))
    // The counter-keyed records first: the racing threads' SYNCs promise every key below theirs.
    let plain = ClockKeyedOrderTests.capture(
      [chunk.bytes + switching] + parts + [ChunkedCaptureTests.sync(last + 1)])
    let packed = repacked(plain, policy: .always)
    #expect(try events(packed).version == CaptureFormat.clockPackedVersion)
    try PackedChunkTests().expectDamageReadsCleanly(packed, seed: seed, rounds: 200)
  }

  @Test("a compressed version 6 capture is version 7 and reads as the plain one")
  func compressed() throws {
    var program = RacingProgram(seed: 99, threads: 3, addresses: 40, stripes: 2)
    program.run(steps: 20_000)
    let (parts, last) = program.clockChunksInFileOrder(epochSpan: 4, skew: 2)
    let plain = ClockKeyedOrderTests.capture(parts + [ChunkedCaptureTests.sync(last + 1)])
    let scratch = ScratchDirectory()
    let path = scratch.write(plain, to: "c.bin")
    try CaptureCompression.compress(path: path)
    let reader = try CaptureReader(path: path)
    let read = try reader.readEvents().events
    #expect(reader.header?.version == CaptureFormat.clockPackedVersion)
    #expect(read.dropFirst() == (try events(plain).events.dropFirst()))
  }
}
