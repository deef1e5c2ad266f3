import Testing
import WorkshopTestSupport

@testable import MemoryTrace

/// The reader's bound on what it holds back while records wait for earlier numbers or a SYNC
/// (``CaptureFormat/maximumHeldBytes``). A real capture stays far below it (the tracker writes a
/// SYNC every 10 ms); a crafted one reaches it, and reading it must stop with one sentence at the
/// chunk that would pass it, not fill memory.
@Suite("The bound on held bytes")
struct HeldBytesBoundTests {
  @Test("streams that each hold a record waiting for number 0 stop at the bound in one sentence, at the chunk past it")
  func streamsPastTheBound() throws {
    // Each stream's one chunk holds an ALLOC numbered far above 0, which never comes: every record
    // waits. A held stream counts its chunk's bytes after the record that waits (none here: that
    // record is decoded) and its slot, ring and table entries.
    var parts: [[UInt8]] = []
    var held = 0
    var offset = CaptureWriter.encode(CaptureHeader(version: 3, pid: 4242, parentPID: 1)).count
    var pastTheBound: Int?
    var stream: UInt64 = 1
    while pastTheBound == nil {
      var chunk = ChunkedCaptureTests.Chunk(thread: stream)
      chunk.alloc((1 << 21) + stream, address: 0x1000, size: 16)
      let bytes = chunk.bytes
      let recordBytes = chunk.records.bytes.count
      held += HeldChunk.overhead + HeldStream.overhead
      if held > CaptureFormat.maximumHeldBytes { pastTheBound = offset + bytes.count - recordBytes }
      parts.append(bytes)
      offset += bytes.count
      stream += 1
    }
    #expect(parts.count > 100_000, "\(parts.count) streams")
    let scratch = ScratchDirectory()
    let path = scratch.write(ChunkedCaptureTests.capture(parts), to: "c.bin")
    let expected = CaptureError.damaged(
      file: path, offset: try #require(pastTheBound),
      damage: .tooManyHeldBytes(byteCount: CaptureFormat.maximumHeldBytes))
    var collector = CaptureEventCollector()
    #expect(throws: expected) { try CaptureReader(path: path).read(into: &collector) }
    #expect(collector.events.count == 1, "the header only: every record waited")
    #expect(
      expected.description
        == "\(path) has a chunk that would bring the bytes of records waiting for earlier ones or a SYNC past 268435456, at byte \(pastTheBound!): the file is damaged after that point"
    )
  }
}
