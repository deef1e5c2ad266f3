import MemoryTrace
import Testing

@Suite("Records round-trip through the writer and the reader")
struct RoundTripTests {
  static let libc = Module(
    path: "/lib/libc.so.6", loadBias: 0x7f00_0000_0000, lowAddress: 0x7f00_0000_1000, highAddress: 0x7f00_0002_0000)
  static let app = Module(
    path: "/work/app", loadBias: 0x5500_0000_0000, lowAddress: 0x5500_0000_0000, highAddress: 0x5500_0001_0000)
  static let plugin = Module(
    path: "/work/plugin.so", loadBias: 0x7e00_0000_0000, lowAddress: 0x7e00_0000_0000, highAddress: 0x7e00_0000_8000)

  /// A capture holding every record kind once, and the events it must decode to.
  static func everyRecord() -> (bytes: [UInt8], events: [CaptureEvent]) {
    let header = CaptureHeader(
      version: CaptureWriter.streamVersion, flags: [.nativeStacks, .followedChild], pid: 1234, parentPID: 99,
      startRealtimeNanoseconds: 1_700_000_000_123_456_789,
      startMonotonicNanoseconds: 987_654_321, pageSize: 16384)
    var writer = CaptureWriter(header: header)
    var events: [CaptureEvent] = [.header(header)]
    writer.command("/work/app", ["app", "--size", "ünïcode"])
    events.append(.command(CaptureCommand(executable: "/work/app", arguments: ["app", "--size", "ünïcode"])))
    writer.modules([app, libc])
    events.append(.modules(ModuleTable([app, libc])))
    let outer = writer.frame(parent: 0, ip: 0x5500_0000_1234)
    let inner = writer.frame(parent: outer, ip: 0x7f00_0000_1500)
    events.append(.frame(FrameEvent(node: 1, parent: 0, ip: 0x5500_0000_1234)))
    events.append(.frame(FrameEvent(node: 2, parent: 1, ip: 0x7f00_0000_1500)))
    writer.thread(77)
    events.append(.thread(77))
    writer.alloc(.calloc, address: 0x1000_0000, size: 48, stack: inner)
    events.append(.alloc(AllocationEvent(kind: .calloc, address: 0x1000_0000, size: 48, stack: 2, thread: 77)))
    // The largest size a capture may hold (a larger one is damage: see CaptureErrorTests).
    writer.alloc(.malloc, address: 0x0fff_0000, size: CaptureFormat.maximumBlockSize, stack: 0)
    events.append(
      .alloc(
        AllocationEvent(kind: .malloc, address: 0x0fff_0000, size: CaptureFormat.maximumBlockSize, stack: 0, thread: 77)
      ))
    writer.free(.realloc, address: 0x1000_0000)
    events.append(.free(DeallocationEvent(kind: .realloc, address: 0x1000_0000, thread: 77)))
    writer.tick(microseconds: 10_000, resident: 5 << 20, tracker: 1 << 20)
    events.append(.tick(TickEvent(microseconds: 10_000, residentBytes: 5 << 20, trackerBytes: 1 << 20)))
    writer.thread(UInt64(UInt32.max) + 5)
    events.append(.thread(UInt64(UInt32.max) + 5))
    writer.marker("workload start")
    events.append(.marker(MarkerEvent(name: "workload start", thread: UInt64(UInt32.max) + 5)))
    writer.lost(17)
    events.append(.lost(17))
    writer.modules([plugin])
    events.append(.modules(ModuleTable([plugin])))
    writer.frame(parent: inner, ip: 0x7e00_0000_0010)
    events.append(.frame(FrameEvent(node: 3, parent: 2, ip: 0x7e00_0000_0010)))
    writer.free(address: UInt64.max)
    events.append(.free(DeallocationEvent(kind: .free, address: UInt64.max, thread: UInt64(UInt32.max) + 5)))
    writer.end(microseconds: 12_345)
    events.append(.end(12_345))
    return (writer.bytes, events)
  }

  @Test("every record kind decodes to what was written")
  func everyRecordKind() throws {
    let scratch = ScratchDirectory()
    let (bytes, expected) = Self.everyRecord()
    let path = scratch.write(bytes, to: "capture.bin")
    let reader = try CaptureReader(path: path)
    let (events, progress) = try reader.readEvents()
    #expect(events == expected)
    #expect(
      progress == ReadProgress(byteCount: bytes.count, recordCount: expected.count - 1, sawEnd: true, warning: nil))
    #expect(reader.command?.arguments == ["app", "--size", "ünïcode"])
    #expect(reader.lastTimestamp == 12_345)
  }

  @Test("frames resolve against the module table in force when they were read")
  func stacksResolveModules() throws {
    let scratch = ScratchDirectory()
    let path = scratch.write(Self.everyRecord().bytes, to: "capture.bin")
    let reader = try CaptureReader(path: path)
    _ = try reader.readEvents()
    let stack = reader.stack(3)
    #expect(stack.map(\.ip) == [0x7e00_0000_0010, 0x7f00_0000_1500, 0x5500_0000_1234])
    #expect(stack.map(\.modulePath) == ["/work/plugin.so", "/lib/libc.so.6", "/work/app"])
    #expect(stack.map(\.offset) == [0x10, 0x1500, 0x1234])
    #expect(reader.frames.path(3) == [3, 2, 1])
    #expect(reader.frames.parent(of: 3) == 2)
    #expect(reader.stack(0).isEmpty)
    #expect(reader.stack(999).isEmpty)
  }

  @Test("an ip outside every module keeps its raw value as the offset")
  func unresolvedFrame() throws {
    var writer = CaptureWriter()
    writer.modules([Self.app])
    writer.frame(parent: 0, ip: 0xdead_beef)
    writer.end(microseconds: 0)
    let scratch = ScratchDirectory()
    let reader = try CaptureReader(path: scratch.write(writer.bytes, to: "capture.bin"))
    _ = try reader.readEvents()
    #expect(reader.stack(1) == [StackFrame(ip: 0xdead_beef, module: nil, offset: 0xdead_beef)])
  }

  @Test("each allocation kind keeps its tag", arguments: AllocationKind.allCases)
  func allocationKinds(kind: AllocationKind) throws {
    var writer = CaptureWriter()
    writer.thread(1)
    writer.alloc(kind, address: 0x40, size: 8)
    writer.end(microseconds: 1)
    let scratch = ScratchDirectory()
    let (events, _) = try CaptureReader(path: scratch.write(writer.bytes, to: "c.bin")).readEvents()
    #expect(events.contains(.alloc(AllocationEvent(kind: kind, address: 0x40, size: 8, stack: 0, thread: 1))))
  }

  @Test("each deallocation kind keeps its tag", arguments: DeallocationKind.allCases)
  func deallocationKinds(kind: DeallocationKind) throws {
    var writer = CaptureWriter()
    writer.thread(1)
    writer.free(kind, address: 0x40)
    writer.end(microseconds: 1)
    let scratch = ScratchDirectory()
    let (events, _) = try CaptureReader(path: scratch.write(writer.bytes, to: "c.bin")).readEvents()
    #expect(events.contains(.free(DeallocationEvent(kind: kind, address: 0x40, thread: 1))))
  }

  @Test(
    "addresses follow the running delta across allocs and frees",
    arguments: [
      [UInt64(0x10), 0x8, 0xffff_ffff_ffff_fff0, 0, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000]
    ])
  func runningAddress(addresses: [UInt64]) throws {
    var writer = CaptureWriter()
    writer.thread(1)
    for (index, address) in addresses.enumerated() {
      if index % 2 == 0 { writer.alloc(address: address, size: 1) } else { writer.free(address: address) }
    }
    writer.end(microseconds: 1)
    let scratch = ScratchDirectory()
    let (events, _) = try CaptureReader(path: scratch.write(writer.bytes, to: "c.bin")).readEvents()
    let decoded = events.compactMap { event -> UInt64? in
      switch event {
      case .alloc(let alloc): alloc.address
      case .free(let free): free.address
      default: nil
      }
    }
    #expect(decoded == addresses)
  }

  @Test("a header larger than this version's is skipped")
  func largerHeader() throws {
    var writer = CaptureWriter(header: nil)
    var header = CaptureWriter.encode(CaptureHeader(version: CaptureWriter.streamVersion, headerSize: 56))
    header.append(contentsOf: [UInt8](repeating: 0xee, count: 8))
    writer.bytes = header
    writer.thread(3)
    writer.end(microseconds: 2)
    let scratch = ScratchDirectory()
    let (events, progress) = try CaptureReader(path: scratch.write(writer.bytes, to: "c.bin")).readEvents()
    #expect(events.dropFirst() == [.thread(3), .end(2)])
    #expect(progress.warning == nil)
  }
}
