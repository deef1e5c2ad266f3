import MemoryTrace
import Testing
import WorkshopTestSupport

/// Version 3 captures: each thread's records in chunks of its own, numbered in one global order;
/// the reader delivers them merged, in number order, as one stream.
@Suite("Numbered chunks (format version 3)")
struct ChunkedCaptureTests {
  /// The records of one chunk, each numbered as the tracker numbers them (a delta from the
  /// previous numbered record of the chunk), the running address starting at 0.
  struct Chunk {
    var records = CaptureWriter(header: nil)
    var number: UInt64 = 0
    var address: UInt64 = 0
    let thread: UInt64

    init(thread: UInt64) { self.thread = thread }

    /// The tag and the number; ALLOC and FREE records numbered right after the previous one say
    /// so in the tag, as the tracker writes them.
    mutating func numbered(_ tag: UInt8, _ number: UInt64) {
      defer { self.number = number }
      if number == self.number + 1 && tag & 0x70 != 0 {
        records.bytes.append(tag | 0x80)
        return
      }
      records.bytes.append(tag)
      records.uv(number - self.number)
    }

    /// FREE_BACK: the block of the stream's ALLOC `back` records ago (its address, for the
    /// running address, is `address`).
    mutating func freeBack(_ number: UInt64, _ kind: DeallocationKind = .free, back: UInt64, address: UInt64) {
      numbered(0x30 | kind.rawValue, number)
      records.uv(back)
      self.address = address
    }

    mutating func alloc(
      _ number: UInt64, _ kind: AllocationKind = .malloc, address: UInt64, size: UInt64, stack: UInt64 = 0
    ) {
      numbered(0x10 | kind.rawValue, number)
      records.sv(Int64(bitPattern: address &- self.address))
      self.address = address
      records.uv(size)
      records.uv(stack)
    }

    mutating func free(_ number: UInt64, _ kind: DeallocationKind = .free, address: UInt64) {
      numbered(0x20 | kind.rawValue, number)
      records.sv(Int64(bitPattern: address &- self.address))
      self.address = address
    }

    /// A FRAME: it belongs to the numbered record written next.
    mutating func frame(parent: UInt64, ipDelta: Int64) {
      records.bytes.append(0x02)
      records.uv(parent)
      records.sv(ipDelta)
    }

    mutating func end(_ number: UInt64, microseconds: UInt64) {
      numbered(0x08, number)
      records.uv(microseconds)
    }

    var bytes: [UInt8] {
      var chunk = CaptureWriter(header: nil)
      chunk.bytes.append(0x0b)
      chunk.uv(thread)
      chunk.uv(thread)  // the stream id: one stream per thread here
      chunk.uv(UInt64(records.bytes.count))
      return chunk.bytes + records.bytes
    }
  }

  static func capture(_ parts: [[UInt8]]) -> [UInt8] {
    CaptureWriter.encode(CaptureHeader(version: 3, pid: 4242, parentPID: 1)) + parts.flatMap { $0 }
  }

  static func sync(_ written: UInt64) -> [UInt8] {
    var record = CaptureWriter(header: nil)
    record.bytes.append(0x0c)
    record.uv(written)
    return record.bytes
  }

  /// The delivered records without the header, the thread switches written as `.thread`.
  func read(_ bytes: [UInt8], fileMayGrow: Bool = false) throws -> [CaptureEvent] {
    let scratch = ScratchDirectory()
    let path = scratch.write(bytes, to: "c.bin")
    let reader = try CaptureReader(path: path)
    var collector = CaptureEventCollector()
    try reader.read(into: &collector, fileMayGrow: fileMayGrow)
    return Array(collector.events.dropFirst())
  }

  @Test("chunks written out of order are delivered in number order, with the thread switches")
  func merge() throws {
    var first = Chunk(thread: 11)
    first.alloc(0, address: 0x1000, size: 10)
    first.alloc(2, address: 0x2000, size: 20)
    first.free(5, address: 0x3000)
    var second = Chunk(thread: 22)
    second.alloc(1, address: 0x4000, size: 40)
    second.free(3, address: 0x1000)
    second.alloc(4, address: 0x3000, size: 30)
    let events = try read(Self.capture([second.bytes, first.bytes, Self.sync(6)]))
    #expect(
      events == [
        .thread(11), .alloc(AllocationEvent(kind: .malloc, address: 0x1000, size: 10, stack: 0, thread: 11)),
        .thread(22), .alloc(AllocationEvent(kind: .malloc, address: 0x4000, size: 40, stack: 0, thread: 22)),
        .thread(11), .alloc(AllocationEvent(kind: .malloc, address: 0x2000, size: 20, stack: 0, thread: 11)),
        .thread(22), .free(DeallocationEvent(kind: .free, address: 0x1000, thread: 22)),
        .alloc(AllocationEvent(kind: .malloc, address: 0x3000, size: 30, stack: 0, thread: 22)),
        .thread(11), .free(DeallocationEvent(kind: .free, address: 0x3000, thread: 11)),
      ])
  }

  @Test("three threads' chunks, numbered in turn and written in any order, are delivered in number order")
  func manyRuns() throws {
    // Numbers 0..<36 dealt in turn to threads 1, 2 and 3; each thread's twelve in two chunks of six,
    // the later chunks written first, so that every record waits in a run of its chunk.
    var parts: [[UInt8]] = []
    for half in [1, 0] {
      for thread in [3, 1, 2] as [UInt64] {
        var chunk = Chunk(thread: thread)
        for turn in 0..<6 {
          let number = UInt64((half * 6 + turn) * 3) + thread - 1
          chunk.alloc(number, address: 0x10_0000 * thread + UInt64(half * 6 + turn), size: number + 1)
        }
        parts.append(chunk.bytes)
      }
      if half == 1 { parts.append(Self.sync(0)) }
    }
    let events = try read(Self.capture(parts + [Self.sync(36)]))
    let sizes = events.compactMap { event -> UInt64? in
      if case .alloc(let allocation) = event { return allocation.size }
      return nil
    }
    #expect(sizes == (1...36).map { UInt64($0) }, "every record once, in number order")
  }

  @Test("a FRAME comes just before the record it belongs to, before any other thread names it")
  func framesBeforeUse() throws {
    var definer = Chunk(thread: 1)
    definer.frame(parent: 0, ipDelta: 0x401000)
    definer.alloc(0, address: 0x10, size: 1, stack: 1)
    var user = Chunk(thread: 2)
    user.alloc(1, address: 0x20, size: 2, stack: 1)
    let events = try read(Self.capture([user.bytes, definer.bytes]))
    #expect(events.first == .frame(FrameEvent(node: 1, parent: 0, ip: 0x401000)))
    #expect(events.filter { if case .alloc = $0 { true } else { false } }.count == 2)
  }

  @Test("FRAMEs of records held in several runs go out each with its own record, in number order")
  func framesOfHeldRecords() throws {
    // Two threads' chunks, both held (number 0 comes last): each defines nodes before some of its
    // records, so that the FRAMEs of both chunks wait together and go out interleaved.
    var first = Chunk(thread: 1)
    first.frame(parent: 0, ipDelta: 0x1000)
    first.frame(parent: 1, ipDelta: 0x10)
    first.alloc(1, address: 0x100, size: 1, stack: 2)
    first.alloc(3, address: 0x200, size: 3, stack: 1)
    first.frame(parent: 2, ipDelta: 0x20)
    first.alloc(5, address: 0x300, size: 5, stack: 5)
    var second = Chunk(thread: 2)
    second.frame(parent: 0, ipDelta: 0x2000)
    second.alloc(2, address: 0x400, size: 2, stack: 3)
    second.frame(parent: 3, ipDelta: 0x30)
    second.alloc(4, address: 0x500, size: 4, stack: 4)
    var last = Chunk(thread: 3)
    last.alloc(0, address: 0x600, size: 6)
    let events = try read(Self.capture([first.bytes, second.bytes, last.bytes, Self.sync(6)]))
    let shown = events.compactMap { event -> String? in
      switch event {
      case .frame(let frame): "frame \(frame.node) parent \(frame.parent) ip \(String(frame.ip, radix: 16))"
      case .alloc(let allocation): "alloc \(allocation.size) stack \(allocation.stack)"
      default: nil
      }
    }
    #expect(
      shown == [
        "alloc 6 stack 0", "frame 1 parent 0 ip 1000", "frame 2 parent 1 ip 1010", "alloc 1 stack 2",
        "frame 3 parent 0 ip 2000", "alloc 2 stack 3", "alloc 3 stack 1", "frame 4 parent 3 ip 2030",
        "alloc 4 stack 4", "frame 5 parent 2 ip 1030", "alloc 5 stack 5",
      ])
  }

  @Test("a realloc's FREE and ALLOC are delivered together, at the ALLOC's place")
  func reallocPair() throws {
    var reallocating = Chunk(thread: 1)
    reallocating.free(1, .realloc, address: 0x100)
    reallocating.alloc(4, .realloc, address: 0x200, size: 64)
    var other = Chunk(thread: 2)
    other.alloc(0, address: 0x100, size: 32)
    other.alloc(2, address: 0x300, size: 8)
    other.free(3, address: 0x300)
    let events = try read(Self.capture([other.bytes, reallocating.bytes, Self.sync(5)]))
      .filter { if case .thread = $0 { false } else { true } }
    #expect(
      events == [
        .alloc(AllocationEvent(kind: .malloc, address: 0x100, size: 32, stack: 0, thread: 2)),
        .alloc(AllocationEvent(kind: .malloc, address: 0x300, size: 8, stack: 0, thread: 2)),
        .free(DeallocationEvent(kind: .free, address: 0x300, thread: 2)),
        .free(DeallocationEvent(kind: .realloc, address: 0x100, thread: 1)),
        .alloc(AllocationEvent(kind: .realloc, address: 0x200, size: 64, stack: 0, thread: 1)),
      ])
  }

  @Test("another thread that gets a realloc's old block back during the call is read after its FREE")
  func reallocOverlapped() throws {
    var reallocating = Chunk(thread: 1)
    reallocating.free(1, .realloc, address: 0x100)
    reallocating.alloc(3, .realloc, address: 0x200, size: 64)
    var other = Chunk(thread: 2)
    other.alloc(0, address: 0x100, size: 32)
    other.alloc(2, address: 0x100, size: 16)
    let events = try read(Self.capture([other.bytes, reallocating.bytes]))
      .filter { if case .thread = $0 { false } else { true } }
    #expect(
      events == [
        .alloc(AllocationEvent(kind: .malloc, address: 0x100, size: 32, stack: 0, thread: 2)),
        .free(DeallocationEvent(kind: .realloc, address: 0x100, thread: 1)),
        .alloc(AllocationEvent(kind: .malloc, address: 0x100, size: 16, stack: 0, thread: 2)),
        .alloc(AllocationEvent(kind: .realloc, address: 0x200, size: 64, stack: 0, thread: 1)),
      ])
  }

  @Test("a realloc that gets back the old block of another thread's realloc still in progress is read after both FREEs")
  func reallocGetsAnotherReallocsBlock() throws {
    // Thread 1 reallocs 0x100 and is preempted inside the call; thread 2's realloc of 0x300 gets 0x100 back.
    var first = Chunk(thread: 1)
    first.free(2, .realloc, address: 0x100)
    first.alloc(5, .realloc, address: 0x200, size: 64)
    var second = Chunk(thread: 2)
    second.alloc(1, address: 0x300, size: 8)
    second.free(3, .realloc, address: 0x300)
    second.alloc(4, .realloc, address: 0x100, size: 16)
    second.free(6, address: 0x100)
    var third = Chunk(thread: 3)
    third.alloc(0, address: 0x100, size: 32)
    let events = try read(Self.capture([third.bytes, second.bytes, first.bytes]))
      .filter { if case .thread = $0 { false } else { true } }
    #expect(
      events == [
        .alloc(AllocationEvent(kind: .malloc, address: 0x100, size: 32, stack: 0, thread: 3)),
        .alloc(AllocationEvent(kind: .malloc, address: 0x300, size: 8, stack: 0, thread: 2)),
        .free(DeallocationEvent(kind: .realloc, address: 0x100, thread: 1)),
        .free(DeallocationEvent(kind: .realloc, address: 0x300, thread: 2)),
        .alloc(AllocationEvent(kind: .realloc, address: 0x100, size: 16, stack: 0, thread: 2)),
        .alloc(AllocationEvent(kind: .realloc, address: 0x200, size: 64, stack: 0, thread: 1)),
        .free(DeallocationEvent(kind: .free, address: 0x100, thread: 2)),
      ])
  }

  @Test("a FREE names its block by how many ALLOCs of its stream ago it was made, across chunks")
  func freeBack() throws {
    var first = Chunk(thread: 5)
    first.alloc(0, address: 0x100, size: 1)
    first.alloc(1, address: 0x200, size: 2)
    var second = Chunk(thread: 5)
    second.freeBack(2, back: 2, address: 0x100)
    second.alloc(3, address: 0x180, size: 3)
    second.freeBack(4, back: 1, address: 0x180)
    let events = try read(Self.capture([first.bytes, second.bytes]))
      .filter { if case .thread = $0 { false } else { true } }
    #expect(
      events == [
        .alloc(AllocationEvent(kind: .malloc, address: 0x100, size: 1, stack: 0, thread: 5)),
        .alloc(AllocationEvent(kind: .malloc, address: 0x200, size: 2, stack: 0, thread: 5)),
        .free(DeallocationEvent(kind: .free, address: 0x100, thread: 5)),
        .alloc(AllocationEvent(kind: .malloc, address: 0x180, size: 3, stack: 0, thread: 5)),
        .free(DeallocationEvent(kind: .free, address: 0x180, thread: 5)),
      ])
    var beyond = Chunk(thread: 6)
    beyond.freeBack(0, back: 1, address: 0)
    #expect(throws: CaptureError.self) { _ = try read(Self.capture([beyond.bytes])) }
  }

  @Test("a record waits for the numbers below it until SYNC says they never came; a finished file delivers all")
  func holesWaitForSync() throws {
    var chunk = Chunk(thread: 7)
    chunk.alloc(0, address: 0x10, size: 1)
    chunk.alloc(2, address: 0x20, size: 2)
    let growing = try read(Self.capture([chunk.bytes]), fileMayGrow: true)
    #expect(growing.count == 2, "the thread switch and number 0; number 2 waits for 1")
    let synced = try read(Self.capture([chunk.bytes, Self.sync(3)]), fileMayGrow: true)
    #expect(synced.count == 3)
    let finished = try read(Self.capture([chunk.bytes]))
    #expect(finished.count == 3)
  }

  @Test("a record numbered below what a SYNC promised is damage, named with both numbers")
  func outOfOrderIsDamage() throws {
    var late = Chunk(thread: 3)
    late.alloc(1, address: 0x10, size: 1)
    #expect(throws: CaptureError.self) {
      _ = try read(Self.capture([Self.sync(5), late.bytes]))
    }
    do {
      _ = try read(Self.capture([Self.sync(5), late.bytes]))
    } catch {
      #expect("\(error)".contains("a record numbered 1 after every record below 5 was said to be written"))
    }
  }

  /// The sentence a capture's read ends with, or nil when it reads.
  func failure(_ bytes: [UInt8]) -> String? {
    do {
      _ = try read(bytes)
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test("in a chunk, an ALLOC too large for a process or past a run's total, or of an unknown kind, is damage")
  func impossibleAllocations() throws {
    // The chunk loop's own checks (RecordDecoder's common ALLOC path), not the unchunked reader's.
    var tooLarge = Chunk(thread: 3)
    tooLarge.alloc(0, address: 0x10, size: CaptureFormat.maximumBlockSize + 1)
    let large = try #require(failure(Self.capture([tooLarge.bytes])))
    #expect(
      large.contains("an alloc record of \(CaptureFormat.maximumBlockSize + 1) bytes, more than a process can address"))
    var tooMuch = Chunk(thread: 3)
    let count = CaptureFormat.maximumTotalBytes / CaptureFormat.maximumBlockSize + 1
    for number in 0..<count {
      tooMuch.alloc(number, address: 0x1000 * (number + 1), size: CaptureFormat.maximumBlockSize)
    }
    let much = try #require(failure(Self.capture([tooMuch.bytes])))
    #expect(
      much.contains("brings the bytes allocated to \(CaptureFormat.maximumTotalBytes + CaptureFormat.maximumBlockSize)")
    )
    var unknownKind = Chunk(thread: 3)
    unknownKind.numbered(0x19, 0)  // ALLOC of kind 9: there is none
    unknownKind.records.sv(0x10)
    unknownKind.records.uv(8)
    unknownKind.records.uv(0)
    let unknown = try #require(failure(Self.capture([unknownKind.bytes])))
    #expect(unknown.contains("unknown record 0x19"), "\(unknown)")
  }

  @Test("a chunk that ends inside a record is damage")
  func chunkCutShort() throws {
    var chunk = Chunk(thread: 3)
    chunk.alloc(0, address: 0x10, size: 1)
    var bytes = chunk.bytes
    bytes.removeLast()
    bytes[3] -= 1  // the chunk's length, one byte shorter
    #expect(throws: CaptureError.self) { _ = try read(Self.capture([bytes])) }
  }
}

@Suite("Numbered chunks against arbitrary bytes")
struct ChunkedCaptureFuzzTests {
  @Test("arbitrary chunk contents after a version 3 header never crash the reader", arguments: 0..<8)
  func fuzz(seed: Int) throws {
    var random = SplitMix(seed: UInt64(seed))
    let scratch = ScratchDirectory()
    for round in 0..<200 {
      // Whole chunks and SYNCs around bytes that are mostly tags and small numbers.
      var parts: [[UInt8]] = []
      for _ in 0..<Int(random.next() % 4) {
        var body: [UInt8] = []
        for _ in 0..<Int(random.next() % 48) {
          let pick = random.next()
          body.append(
            pick % 3 == 0
              ? [0x02, 0x03, 0x04, 0x90, 0xa0, 0xb1, 0x10, 0x21, 0x31, 0x08, 0x05][Int(pick >> 8) % 11]
              : UInt8(truncatingIfNeeded: pick >> 16) & (pick % 2 == 0 ? 0x07 : 0xff))
        }
        var chunk = CaptureWriter(header: nil)
        chunk.bytes.append(random.next() % 7 == 0 ? 0x0c : 0x0b)
        chunk.uv(random.next() % 3)
        chunk.uv(random.next() % 3)
        chunk.uv(UInt64(body.count))
        parts.append(chunk.bytes + body)
      }
      let bytes = ChunkedCaptureTests.capture(parts)
      let path = scratch.write(bytes, to: "fuzz-\(round).bin")
      let reader = try CaptureReader(path: path, chunkSize: 64)
      var collector = CaptureEventCollector()
      do {
        let progress = try reader.read(into: &collector)
        #expect(progress.byteCount <= bytes.count)
      } catch {
        #expect(error.description.hasPrefix(path + " has "))
      }
    }
  }
}
