import Foundation
import Testing
import WorkshopTestSupport

@testable import MemoryTrace

/// Packed chunks in the first layout (version 4's; version 5 adds the second): the compressor's
/// COLUMNS records give back the chunks' records byte for byte, read exactly like the CHUNKs they
/// stand for, and damage in them is one sentence.
@Suite("Packed chunks (the first layout, format versions 4 and 5)")
struct PackedChunkTests {
  typealias Chunk = ChunkedCaptureTests.Chunk

  /// A chunk with every record a chunk can hold: aligned and unaligned addresses, deltas both
  /// ways and as large as 64 bits allow, implicit and explicit numbers, a realloc pair, FRAME
  /// chains, THREAD and every rarely written record.
  static func everyRecordChunk() -> Chunk {
    var chunk = Chunk(thread: 0)
    chunk.records.bytes.append(0x03)
    chunk.records.uv(4321)
    chunk.frame(parent: 0, ipDelta: 0x55_5555_1000)
    chunk.frame(parent: 1, ipDelta: 0x234)
    chunk.frame(parent: 2, ipDelta: -0x10)
    chunk.alloc(0, address: 0x5555_0000, size: 100, stack: 3)
    chunk.alloc(1, .calloc, address: 0x5555_0070, size: 200, stack: 3)
    chunk.alloc(2, .posixMemalign, address: 0x5555_0008, size: 1 << 40, stack: 2)
    chunk.free(3, address: 0x5555_0070)
    chunk.freeBack(4, back: 3, address: 0x5555_0000)
    chunk.free(9, .realloc, address: 0x5555_0008)
    chunk.alloc(10, .realloc, address: 0xFFFF_FFFF_FFFF_FFF0, size: 7, stack: 1)
    chunk.free(11, address: 3)
    chunk.alloc(12, .reallocarray, address: 0x7FFF_0000_0001, size: 0, stack: 0)
    chunk.frame(parent: 3, ipDelta: Int64.min)
    chunk.frame(parent: 1, ipDelta: Int64.max)
    chunk.alloc(13, address: 0x10, size: UInt64(1) << 56, stack: 5)
    chunk.records.bytes.append(0x03)
    chunk.records.uv(99)
    chunk.numbered(0x04, 20)
    chunk.records.uv(1500)
    chunk.records.uv(1 << 30)
    chunk.records.uv(0)
    chunk.numbered(0x05, 21)
    chunk.records.uv(2)
    for (path, bias) in [("/usr/lib/libc.so.6", UInt64(0x7f00_0000_0000)), ("[vdso]", 0)] {
      chunk.records.string(path)
      chunk.records.uv(bias)
      chunk.records.uv(bias + 0x1000)
      chunk.records.uv(bias + 0x9000)
    }
    chunk.numbered(0x06, 22)
    chunk.records.string("phase two")
    chunk.numbered(0x07, 23)
    chunk.records.string("/bin/program")
    chunk.records.uv(2)
    chunk.records.string("--flag")
    chunk.records.string("é")
    chunk.end(24, microseconds: 1_000_000)
    return chunk
  }

  func roundTrip(_ records: [UInt8]) -> [UInt8]? {
    var packer = ChunkPacker()
    defer { packer.deallocate() }
    guard records.withUnsafeBytes({ packer.pack($0) }) else { return nil }
    var unpacked = [UInt8](repeating: 0, count: records.count)
    let body = packer.packed
    let fits = body.withUnsafeBytes { packed in
      unpacked.withUnsafeMutableBytes { ChunkUnpacker.unpack(packed, into: $0) }
    }
    return fits ? unpacked : nil
  }

  @Test("every record a chunk holds packs and unpacks to the same bytes")
  func everyRecord() {
    let records = Self.everyRecordChunk().records.bytes
    #expect(roundTrip(records) == records)
    #expect(roundTrip([]) == [])
  }

  @Test("records the tracker does not write that way are not packed")
  func refused() {
    // An address written in two bytes where one does.
    #expect(roundTrip([0x90, 0x80, 0x00, 0x01, 0x00]) == nil)
    // An unknown tag, a misaligned-address bit, a FREE cut off, a rare record with the implicit-number bit.
    #expect(roundTrip([0x40]) == nil)
    #expect(roundTrip([0x50, 0x00, 0x01, 0x00]) == nil)
    #expect(roundTrip([0xA0]) == nil)
    #expect(roundTrip([0x84, 0x00, 0x00, 0x00]) == nil)
    #expect(roundTrip([0x0b, 0x00]) == nil)
  }

  /// The plain capture's bytes through the repacker, as the compressor feeds zstd.
  func repacked(_ bytes: [UInt8], policy: CaptureRepacker.Policy = .always, pieces: Int = 1) -> [UInt8] {
    let repacker = CaptureRepacker(policy: policy)
    var output: [UInt8] = []
    let step = max(1, bytes.count / pieces)
    var start = 0
    while start < bytes.count {
      let end = min(bytes.count, start + step)
      try? bytes[start..<end].withUnsafeBytes { try repacker.take($0) { output.append(contentsOf: $0) } }
      start = end
    }
    try? repacker.finish { output.append(contentsOf: $0) }
    return output
  }

  func events(_ bytes: [UInt8]) throws -> [CaptureEvent] {
    let scratch = ScratchDirectory()
    let path = scratch.write(bytes, to: "packed.bin")
    return try CaptureReader(path: path).readEvents().events
  }

  func withoutHeader(_ events: [CaptureEvent]) -> [CaptureEvent] {
    events.filter { if case .header = $0 { false } else { true } }
  }

  @Test("a packed capture reads exactly as the plain one: FREE_BACK across chunks, a realloc pair, other threads")
  func readsAsPlain() throws {
    var first = Chunk(thread: 5)
    first.frame(parent: 0, ipDelta: 0x401000)
    first.alloc(0, address: 0x100, size: 1, stack: 1)
    first.alloc(1, address: 0x208, size: 2, stack: 1)
    var other = Chunk(thread: 6)
    other.alloc(2, address: 0x900, size: 9, stack: 1)
    var second = Chunk(thread: 5)
    // A FREE_BACK whose ALLOC is in the stream's previous chunk.
    second.freeBack(3, back: 2, address: 0x100)
    second.free(4, .realloc, address: 0x208)
    second.alloc(5, .realloc, address: 0x300, size: 30, stack: 1)
    // An ALLOC whose block is never freed, and a FREE of a block the capture never saw.
    second.alloc(6, address: 0x400, size: 40, stack: 1)
    second.free(7, address: 0xdead0)
    second.end(8, microseconds: 77)
    let plain = ChunkedCaptureTests.capture([first.bytes, other.bytes, ChunkedCaptureTests.sync(3), second.bytes])
    let packed = repacked(plain, pieces: 7)
    #expect(packed != plain)
    #expect(packed.count(of: CaptureFormat.columnsTag) >= 3)
    let read = try events(packed)
    #expect(read.first.map { if case .header(let header) = $0 { header.version == 5 } else { false } } == true)
    #expect(withoutHeader(read) == withoutHeader(try events(plain)))
    #expect(
      withoutHeader(read).filter { if case .thread = $0 { false } else { true } }.count == 10,
      "a FRAME, 5 ALLOCs, 3 FREEs and END")
  }

  @Test("captures of other versions, and whatever follows an unknown record, go through untouched")
  func passThrough() throws {
    let version2 = RoundTripTests.everyRecord().bytes
    #expect(repacked(version2) == version2)
    var chunk = Chunk(thread: 1)
    chunk.alloc(0, address: 0x10, size: 1)
    let damaged = ChunkedCaptureTests.capture([chunk.bytes, [0x6f, 1, 2, 3], chunk.bytes])
    let output = repacked(damaged)
    #expect(Array(output.suffix(4 + chunk.bytes.count)) == [0x6f, 1, 2, 3] + chunk.bytes)
    // A record cut off at the end of the file stays as it was.
    let cut = Array(ChunkedCaptureTests.capture([chunk.bytes, chunk.bytes]).dropLast(2))
    #expect(Array(repacked(cut).suffix(chunk.bytes.count - 2)) == Array(chunk.bytes.dropLast(2)))
  }

  @Test("the version 3 tracker's captures read the same packed, compressed and plain")
  func trackerFixtures() throws {
    for name in ["pattern_basic.v3.bin", "pattern_threads.v3.bin"] {
      let path = OlderVersionTests.fixtures.appendingPathComponent(name).path
      let plain = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
      let expected = withoutHeader(try events(plain))
      #expect(
        ElidedAddressTests.standInCount(try events(repacked(plain, pieces: 5)), matching: expected) != nil, "\(name)")
      let scratch = ScratchDirectory()
      let compressed = scratch.write(plain, to: "c.bin")
      try CaptureCompression.compress(path: compressed)
      let reader = try CaptureReader(path: compressed)
      let (read, progress) = try reader.readEvents()
      #expect(reader.header?.version == 5)
      #expect(ElidedAddressTests.standInCount(read, matching: expected) != nil, "\(name)")
      #expect(progress.sawEnd && progress.warning == nil)
    }
  }

  @Test("a packed chunk longer than the reader's buffer is read whole")
  func longerThanBuffer() throws {
    var chunk = Chunk(thread: 3)
    for index in 0..<3000 {
      chunk.alloc(
        UInt64(2 * index), address: 0x7000_0000 + UInt64(index * 4099 % 65_536) * 16, size: UInt64(index % 4096))
      chunk.freeBack(UInt64(2 * index + 1), back: 1, address: 0x7000_0000 + UInt64(index * 4099 % 65_536) * 16)
    }
    chunk.end(6000, microseconds: 5)
    let plain = ChunkedCaptureTests.capture([chunk.bytes])
    let scratch = ScratchDirectory()
    let path = scratch.write(repacked(plain), to: "long.bin")
    var collector = CaptureEventCollector()
    let progress = try CaptureReader(path: path, chunkSize: 4096).read(into: &collector)
    #expect(progress.warning == nil)
    #expect(ElidedAddressTests.standInCount(collector.events, matching: try events(plain)) == 3000)
    #expect(collector.events.filter { if case .alloc = $0 { true } else { false } }.count == 3000)
  }

  @Test("damaged packed chunks are one sentence, never a crash", arguments: 0..<4)
  func damaged(seed: Int) throws {
    let chunk = Self.everyRecordChunk()
    let packed = repacked(ChunkedCaptureTests.capture([chunk.bytes]))
    #expect(try withoutHeader(events(packed)).count > 10)
    try expectDamageReadsCleanly(packed, seed: UInt64(seed), rounds: 300)
  }

  /// `capture` with 1-3 random bytes after its header changed, `rounds` times: each reads as
  /// events or throws an error with a message, never traps.
  func expectDamageReadsCleanly(_ capture: [UInt8], seed: UInt64, rounds: Int) throws {
    var random = SplitMix(seed: seed)
    for _ in 0..<rounds {
      var bytes = capture
      for _ in 0..<(1 + Int(random.next() % 3)) {
        let index = CaptureFormat.headerSize + Int(random.next() % UInt64(bytes.count - CaptureFormat.headerSize))
        bytes[index] = UInt8(truncatingIfNeeded: random.next())
      }
      do {
        _ = try events(bytes)
      } catch {
        #expect(!"\(error)".isEmpty)
      }
    }
  }
}

extension Array where Element == UInt8 {
  fileprivate func count(of byte: UInt8) -> Int { reduce(0) { $0 + ($1 == byte ? 1 : 0) } }
}
