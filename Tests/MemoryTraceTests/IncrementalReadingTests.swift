import MemoryTrace
import Testing

@Suite("Incremental reading of growing captures")
struct IncrementalReadingTests {
  @Test("a capture split at every byte boundary reads the same as the whole file")
  func everySplit() throws {
    let (bytes, expected) = RoundTripTests.everyRecord()
    let scratch = ScratchDirectory()
    for split in 0...bytes.count {
      let path = scratch.write(Array(bytes[..<split]), to: "split.bin")
      let reader = try CaptureReader(path: path)
      var collector = CaptureEventCollector()
      let first = try reader.read(into: &collector, fileMayGrow: true)
      #expect(first.warning == nil)
      #expect(first.byteCount <= split)
      scratch.append(bytes[split...], to: path)
      let last = try reader.read(into: &collector, fileMayGrow: false)
      #expect(collector.events == expected, "split at byte \(split)")
      #expect(last.byteCount == bytes.count)
      #expect(last.warning == nil)
    }
  }

  @Test("a file growing one byte at a time delivers each record once, when it is complete")
  func byteByByte() throws {
    let (bytes, expected) = RoundTripTests.everyRecord()
    let scratch = ScratchDirectory()
    let path = scratch.write([], to: "growing.bin")
    let reader = try CaptureReader(path: path, chunkSize: 64)
    var collector = CaptureEventCollector()
    var delivered: [Int] = []
    for byte in bytes {
      scratch.append([byte], to: path)
      try reader.read(into: &collector, fileMayGrow: true)
      delivered.append(collector.events.count)
    }
    #expect(collector.events == expected)
    // The number of events never goes down and grows by at most one per byte.
    #expect(zip(delivered, delivered.dropFirst()).allSatisfy { $1 - $0 >= 0 && $1 - $0 <= 1 })
  }

  @Test("records longer than the chunk size are read whole")
  func recordLargerThanChunk() throws {
    var writer = CaptureWriter()
    let long = String(repeating: "x", count: 10_000)
    writer.command(long, [long, long])
    writer.thread(1)
    for index in 0..<1000 { writer.alloc(address: UInt64(index) * 32, size: UInt64(index)) }
    writer.marker(long)
    writer.end(microseconds: 5)
    let scratch = ScratchDirectory()
    let reader = try CaptureReader(path: scratch.write(writer.bytes, to: "c.bin"), chunkSize: 64)
    let (events, progress) = try reader.readEvents()
    #expect(events.count == 1 + 1 + 1 + 1000 + 1 + 1)
    #expect(events.contains(.marker(MarkerEvent(name: long, thread: 1))))
    #expect(reader.command?.executable == long)
    #expect(progress.byteCount == writer.bytes.count)
  }

  @Test("an empty or partial-header file that may grow is not an error yet", arguments: [0, 1, 8, 47])
  func waitingForHeader(length: Int) throws {
    let bytes = CaptureWriter().bytes
    let scratch = ScratchDirectory()
    let path = scratch.write(Array(bytes.prefix(length)), to: "c.bin")
    let reader = try CaptureReader(path: path)
    var collector = CaptureEventCollector()
    let progress = try reader.read(into: &collector, fileMayGrow: true)
    #expect(progress.byteCount == 0)
    #expect(collector.events.isEmpty)
    #expect(reader.header == nil)
  }

  @Test("reading again after the end delivers nothing new")
  func readAgain() throws {
    let (bytes, expected) = RoundTripTests.everyRecord()
    let scratch = ScratchDirectory()
    let reader = try CaptureReader(path: scratch.write(bytes, to: "c.bin"))
    var collector = CaptureEventCollector()
    try reader.read(into: &collector)
    let again = try reader.read(into: &collector)
    #expect(collector.events == expected)
    #expect(again.byteCount == bytes.count)
  }
}
