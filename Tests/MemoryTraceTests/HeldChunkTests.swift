import MemoryTrace
import Testing
import WorkshopTestSupport

/// Version 3 and 6: a record that must wait keeps the rest of its chunk, and its stream's later
/// chunks, as bytes, decoded a record at a time in the merged order. One thread's first chunk
/// written only after many SYNCs (a thread preempted while it holds its buffer) keeps the others
/// waiting behind it: what they wrote must read back exactly as if nothing had waited.
@Suite("Held chunks: records that wait stay bytes until their turn")
struct HeldChunkTests {
  typealias Chunks = [[(bytes: [UInt8], first: UInt64)]]

  /// The other threads' chunks in turn, each followed by a SYNC that cannot pass thread 0's first
  /// record (it is not written yet); thread 0's chunks at the end, then SYNC `end`.
  static func firstThreadLate(_ chunks: Chunks, end: UInt64) -> [[UInt8]] {
    let late = chunks[0].first?.first ?? end
    var parts: [[UInt8]] = []
    var next = Array(repeating: 0, count: chunks.count)
    var wrote = true
    while wrote {
      wrote = false
      for thread in chunks.indices.dropFirst() where next[thread] < chunks[thread].count {
        parts.append(chunks[thread][next[thread]].bytes)
        next[thread] += 1
        let unwritten = chunks.indices.dropFirst().compactMap {
          next[$0] < chunks[$0].count ? chunks[$0][next[$0]].first : nil
        }
        parts.append(ChunkedCaptureTests.sync(min(late, unwritten.min() ?? end)))
        wrote = true
      }
    }
    return parts + chunks[0].map(\.bytes) + [ChunkedCaptureTests.sync(end)]
  }

  /// Every event delivered, read whole, or (`partSize`) from a file that grows by that many bytes
  /// at a time, read after each with a 64-byte buffer.
  static func events(_ bytes: [UInt8], growingBy partSize: Int? = nil) throws -> [CaptureEvent] {
    let scratch = ScratchDirectory()
    guard let partSize else {
      return try CaptureReader(path: scratch.write(bytes, to: "c.bin")).readEvents().events
    }
    let path = scratch.write([], to: "c.bin")
    let reader = try CaptureReader(path: path, chunkSize: 64)
    var collector = CaptureEventCollector()
    var start = 0
    while start < bytes.count {
      scratch.append(bytes[start..<min(start + partSize, bytes.count)], to: path)
      start += partSize
      try reader.read(into: &collector, fileMayGrow: start < bytes.count)
    }
    return collector.events
  }

  @Test("counter keys: a thread's records written after many SYNCs read as if none had waited", arguments: 0..<8)
  func counterKeys(seed: UInt64) throws {
    var program = RacingProgram(seed: seed, threads: 4, addresses: 6)
    program.run(steps: 3_000)
    let chunks = program.chunksByThread()
    let late = ChunkedCaptureTests.capture(Self.firstThreadLate(chunks, end: program.numbers))
    try program.expectReadInExactOrder(late)
    // In number order nothing waits: the same events, whether held or not, in a file read whole or growing.
    let inOrder = ChunkedCaptureTests.capture(
      chunks.flatMap { $0 }.sorted { $0.first < $1.first }.map(\.bytes) + [ChunkedCaptureTests.sync(program.numbers)])
    let expected = try Self.events(inOrder)
    #expect(try Self.events(late) == expected)
    #expect(try Self.events(late, growingBy: 97) == expected)
  }

  @Test("clock keys: a thread's records written after many SYNCs read back in an exact order", arguments: 0..<8)
  func clockKeys(seed: UInt64) throws {
    var program = RacingProgram(seed: seed, threads: 4, addresses: 9, stripes: 3)
    program.run(steps: 3_000)
    let (chunks, lastKey) = program.clockChunksByThread(epochSpan: 6, skew: 3)
    let late = ClockKeyedOrderTests.capture(Self.firstThreadLate(chunks, end: lastKey + 1))
    try program.expectReadInExactOrder(late)
    #expect(try Self.events(late, growingBy: 97) == (try Self.events(late)))
  }

  @Test("held chunks decode FRAMEs, FREE_BACK across chunks and realloc pairs in their turn")
  func heldRecordsOfEveryKind() throws {
    typealias Chunk = ChunkedCaptureTests.Chunk
    // Thread 2 writes numbers 1-7 in two chunks while number 0 (thread 1) is not yet written.
    var first = Chunk(thread: 2)
    first.frame(parent: 0, ipDelta: 0x4000)
    first.alloc(1, address: 0x1000, size: 16, stack: 1)
    first.alloc(2, address: 0x2000, size: 32, stack: 1)
    first.free(3, .realloc, address: 0x1000)
    first.alloc(4, .realloc, address: 0x3000, size: 48, stack: 1)
    var second = Chunk(thread: 2)
    second.freeBack(5, back: 2, address: 0x2000)  // the stream's ALLOC 2 back: 0x2000, in the first chunk
    second.free(6, .realloc, address: 0x3000)  // last in its chunk: no ALLOC to pair with
    second.end(7, microseconds: 9)
    var preempted = Chunk(thread: 1)
    preempted.alloc(0, address: 0x5000, size: 8)
    let bytes = ChunkedCaptureTests.capture([
      first.bytes, ChunkedCaptureTests.sync(0), second.bytes, ChunkedCaptureTests.sync(0), preempted.bytes,
      ChunkedCaptureTests.sync(8),
    ])
    let expected: [CaptureEvent] = [
      .thread(1),
      .alloc(AllocationEvent(kind: .malloc, address: 0x5000, size: 8, stack: 0, thread: 1)),
      .frame(FrameEvent(node: 1, parent: 0, ip: 0x4000)),
      .thread(2),
      .alloc(AllocationEvent(kind: .malloc, address: 0x1000, size: 16, stack: 1, thread: 2)),
      .alloc(AllocationEvent(kind: .malloc, address: 0x2000, size: 32, stack: 1, thread: 2)),
      .free(DeallocationEvent(kind: .realloc, address: 0x1000, thread: 2)),
      .alloc(AllocationEvent(kind: .realloc, address: 0x3000, size: 48, stack: 1, thread: 2)),
      .free(DeallocationEvent(kind: .free, address: 0x2000, thread: 2)),
      .free(DeallocationEvent(kind: .realloc, address: 0x3000, thread: 2)),
      .end(9),
    ]
    #expect(Array(try Self.events(bytes).dropFirst()) == expected)
    #expect(Array(try Self.events(bytes, growingBy: 5).dropFirst()) == expected)
  }
}
