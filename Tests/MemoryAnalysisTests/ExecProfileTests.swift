import MemoryAnalysis
import MemoryTrace
import Testing

@Suite("Profiles across exec")
struct ExecProfileTests {
  /// One process, two programs: the first leaves 1000 bytes alive when it execs the second.
  static func capture() -> [UInt8] {
    var writer = CaptureWriter()
    writer.command("/usr/bin/env", ["env", "tool"])
    writer.thread(5)
    writer.tick(microseconds: 0)
    writer.alloc(address: 0x1000, size: 1000)
    writer.alloc(address: 0x2000, size: 2000)
    writer.marker("first")
    writer.free(address: 0x2000)
    writer.exec(microseconds: 4000)
    writer.command("/usr/bin/tool", ["tool"])
    writer.thread(5)
    writer.alloc(address: 0x1000, size: 300)
    writer.alloc(address: 0x3000, size: 40)
    writer.free(address: 0x3000)
    writer.tick(microseconds: 10_000)
    writer.end(microseconds: 12_000)
    return writer.bytes
  }

  @Test("the old program's blocks end at the exec: the peak keeps them, the leaks do not")
  func blocksEndAtExec() throws {
    let scratch = ScratchDirectory()
    let profile = try MemoryProfile(contentsOf: scratch.write(Self.capture(), to: "c.bin"))
    #expect(profile.peak.bytes == 3000)
    #expect(profile.leakedBytes == 300)
    #expect(profile.leakedAllocations == 1)
    #expect(profile.leaks.map(\.bytes) == [300])
    #expect(profile.totals.allocations == 4)
    #expect(profile.totals.frees == 2, "a block ended by exec is not a free")
    #expect(profile.totals.overwrittenBlocks == 0, "0x1000 was ended before the new program reused it")
    #expect(profile.command?.executable == "/usr/bin/env")
    #expect(
      profile.execs == [
        ProgramExec(
          microseconds: 4000, eventIndex: 3, command: CaptureCommand(executable: "/usr/bin/tool", arguments: ["tool"]),
          endedBytes: 1000, endedBlocks: 1)
      ])
    #expect(profile.timeline.last?.heapBytes == 300)
    #expect(profile.sawEnd)
    #expect(profile.temporaries.count == 2, "2000 bytes in the first program, 40 in the second")
  }
}
