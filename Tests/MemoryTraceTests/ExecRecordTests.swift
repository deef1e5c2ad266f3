import MemoryTrace
import Testing

@Suite("EXEC records and older captures")
struct ExecRecordTests {
  static let tool = Module(
    path: "/usr/bin/tool", loadBias: 0x5600_0000_0000, lowAddress: 0x5600_0000_0000, highAddress: 0x5600_0001_0000)

  @Test("after EXEC the new program's nodes follow the old ones', and its addresses and thread start afresh")
  func execStartsAfresh() throws {
    var writer = CaptureWriter()
    writer.command("/work/app", ["app"])
    writer.modules([RoundTripTests.app])
    let old = writer.frame(parent: 0, ip: 0x5500_0000_1000)
    writer.thread(7)
    writer.alloc(address: 0x7000_0000, size: 10, stack: old)
    writer.exec(microseconds: 500)
    writer.command("/usr/bin/tool", ["tool", "-x"])
    writer.modules([Self.tool])
    let outer = writer.frame(parent: 0, ip: 0x5600_0000_2000)
    let inner = writer.frame(parent: outer, ip: 0x5600_0000_2100)
    #expect((outer, inner) == (1, 2), "the new program numbers its own nodes from 1")
    writer.thread(7)
    writer.alloc(address: 0x7100_0000, size: 20, stack: inner)
    writer.free(address: 0x7100_0000)
    writer.end(microseconds: 900)
    let scratch = ScratchDirectory()
    let reader = try CaptureReader(path: scratch.write(writer.bytes, to: "c.bin"))
    let (events, progress) = try reader.readEvents()
    #expect(progress.warning == nil)
    let afterExec = Array(events.drop { $0 != .exec(ExecEvent(microseconds: 500)) })
    #expect(
      afterExec == [
        .exec(ExecEvent(microseconds: 500)),
        .command(CaptureCommand(executable: "/usr/bin/tool", arguments: ["tool", "-x"])),
        .modules(ModuleTable([Self.tool])),
        .frame(FrameEvent(node: 2, parent: 0, ip: 0x5600_0000_2000)),
        .frame(FrameEvent(node: 3, parent: 2, ip: 0x5600_0000_2100)),
        .thread(7),
        .alloc(AllocationEvent(kind: .malloc, address: 0x7100_0000, size: 20, stack: 3, thread: 7)),
        .free(DeallocationEvent(kind: .free, address: 0x7100_0000, thread: 7)),
        .end(900),
      ])
    #expect(reader.command?.executable == "/work/app", "the command is the first program's")
    #expect(reader.stack(1).map(\.modulePath) == ["/work/app"], "old frames keep the old modules")
    #expect(reader.stack(3).map(\.modulePath) == ["/usr/bin/tool", "/usr/bin/tool"])
  }

  @Test("after EXEC a node only an earlier program defined is damage, named as the stream numbers it")
  func oldNodeAfterExec() throws {
    var writer = CaptureWriter()
    let old = writer.frame(parent: 0, ip: 0x5500_0000_1000)
    writer.thread(7)
    writer.alloc(address: 0x7000_0000, size: 10, stack: old)
    writer.exec(microseconds: 500)
    writer.thread(7)
    let offset = writer.bytes.count
    writer.alloc(address: 0x7100_0000, size: 20, stack: 1)
    let scratch = ScratchDirectory()
    let path = scratch.write(writer.bytes, to: "c.bin")
    #expect(throws: CaptureError.damaged(file: path, offset: offset, damage: .unknownStackNode(1))) {
      _ = try CaptureReader(path: path).readEvents()
    }
  }

  @Test("a version 1 capture, written before EXEC existed, still reads")
  func versionOne() throws {
    var writer = CaptureWriter(header: CaptureHeader(version: 1, pid: 12, parentPID: 1))
    writer.command("/work/app", ["app"])
    let node = writer.frame(parent: 0, ip: 0x5500_0000_1000)
    writer.thread(12)
    writer.alloc(address: 0x1000, size: 64, stack: node)
    writer.end(microseconds: 10)
    let scratch = ScratchDirectory()
    let (events, progress) = try CaptureReader(path: scratch.write(writer.bytes, to: "v1.bin")).readEvents()
    #expect(progress.warning == nil)
    #expect(events.first == .header(CaptureHeader(version: 1, pid: 12, parentPID: 1)))
    #expect(events.contains(.alloc(AllocationEvent(kind: .malloc, address: 0x1000, size: 64, stack: 1, thread: 12))))
  }
}
