import Foundation
import MemoryAnalysis
import MemoryTrace
import Testing

@Suite("Profiles of capture files")
struct CaptureFileTests {
  /// A small program's capture: two stacks in two modules, a leak, a workload between markers.
  static func program(end: Bool = true) -> [UInt8] {
    var writer = CaptureWriter(header: CaptureHeader(flags: .nativeStacks, pid: 77, parentPID: 1))
    writer.command("/work/demo", ["demo"])
    writer.modules([Module(path: "/work/demo", loadBias: 0x4000, lowAddress: 0x4000, highAddress: 0x9000)])
    let main = writer.frame(parent: 0, ip: 0x4100)
    let parse = writer.frame(parent: main, ip: 0x4200)
    let load = writer.frame(parent: main, ip: 0x4300)
    writer.thread(77)
    writer.tick(microseconds: 0, resident: 1 << 20)
    writer.alloc(address: 0x10_0000, size: 4096, stack: parse)
    writer.marker("workload")
    writer.tick(microseconds: 10_000, resident: 2 << 20)
    writer.thread(78)
    writer.alloc(.calloc, address: 0x20_0000, size: 1 << 20, stack: load)
    writer.free(address: 0x20_0000)
    writer.thread(77)
    writer.alloc(address: 0x30_0000, size: 100, stack: load)
    writer.marker("done")
    writer.free(address: 0x10_0000)
    writer.tick(microseconds: 20_000, resident: 3 << 20)
    writer.lost(2)
    if end { writer.end(microseconds: 25_000) }
    return writer.bytes
  }

  @Test("a finished capture yields every figure, with stacks resolved")
  func finished() throws {
    let scratch = ScratchDirectory()
    let path = scratch.write(Self.program(), to: "capture.bin")
    let request = RegionRequest(from: "workload", to: "done")
    let profile = try MemoryProfile(contentsOf: path, regions: [request])
    #expect(profile.header?.pid == 77)
    #expect(profile.command?.arguments == ["demo"])
    #expect(profile.sawEnd)
    #expect(profile.readProblem == nil)
    #expect(profile.peak.bytes == 4096 + (1 << 20))
    #expect(profile.peak.microseconds == 10_000)
    #expect(profile.peak.aliveByStack.map(\.stack) == [3, 2])
    #expect(profile.leaks == [StackTotal(stack: 3, bytes: 100, count: 1)])
    #expect(profile.stack(3).map(\.offset) == [0x300, 0x100])
    #expect(profile.stack(3).first?.modulePath == "/work/demo")
    #expect(profile.totals.lostEvents == 2)
    #expect(profile.totals.threads == 2)
    #expect(profile.totals.allocationsByKind == [.malloc: 2, .calloc: 1])
    #expect(profile.timeline.map(\.residentBytes) == [1 << 20, 2 << 20, 3 << 20])
    #expect(profile.region(request)?.peakBytes == 1 << 20)
    #expect(profile.region(request)?.aliveAtPeak == [StackTotal(stack: 3, bytes: 1 << 20, count: 1)])
    #expect(profile.allocatedByStack.first == StackTotal(stack: 3, bytes: (1 << 20) + 100, count: 2))
  }

  @Test("the summary encodes with the keys workshop stats --json prints")
  func summaryJSON() throws {
    let scratch = ScratchDirectory()
    let profile = try MemoryProfile(contentsOf: scratch.write(Self.program(), to: "capture.bin"))
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = String(decoding: try encoder.encode(profile.summary), as: UTF8.self)
    #expect(
      json
        == #"{"complete":false,"duration_ms":25,"leaked_allocations":1,"leaked_bytes":100,"lost_events":2,"peak_bytes":1052672,"peak_time_ms":10,"#
        + #""threads":2,"total_allocations":3,"total_bytes_allocated":1052772,"total_frees":2}"#)
  }

  @Test("a capture without END is profiled up to its last tick, with the truncation as a warning")
  func truncated() throws {
    let scratch = ScratchDirectory()
    let bytes = Self.program(end: false)
    let path = scratch.write(bytes, to: "capture.bin")
    let profile = try MemoryProfile(contentsOf: path)
    #expect(!profile.sawEnd)
    #expect(profile.totals.durationMicroseconds == 20_000)
    #expect(
      profile.readProblem?.description == "\(path) is truncated after \(bytes.count) bytes: showing the first 20 ms")
  }

  @Test("a damaged capture is profiled up to the damage")
  func damaged() throws {
    let scratch = ScratchDirectory()
    var bytes = Self.program(end: false)
    let damageAt = bytes.count
    bytes += [0x4f, 0x00, 0x00]
    let path = scratch.write(bytes, to: "capture.bin")
    let profile = try MemoryProfile(contentsOf: path)
    #expect(profile.totals.allocations == 3)
    #expect(
      profile.readProblem?.description
        == "\(path) has an unknown record 0x4f at byte \(damageAt): the file is damaged after that point")
  }

  @Test("a file that is not a capture is an error")
  func notACapture() {
    let scratch = ScratchDirectory()
    let path = scratch.write(Array("hello world".utf8), to: "notes.txt")
    #expect(throws: CaptureError.notACapture(file: path, prefix: Array("hello wo".utf8))) {
      try MemoryProfile(contentsOf: path)
    }
  }

  @Test("a live capture follows a growing file and ends up with the finished figures")
  func live() throws {
    let scratch = ScratchDirectory()
    let bytes = Self.program()
    let path = scratch.write([], to: "capture.bin")
    let live = try LiveCapture(path: path)
    var heaps: [UInt64] = []
    var offset = 0
    while offset < bytes.count {
      let next = min(offset + 7, bytes.count)
      scratch.append(bytes[offset..<next], to: path)
      offset = next
      try live.update()
      heaps.append(live.heapBytes)
    }
    try live.update(fileMayGrow: false)
    #expect(live.readProblem == nil)
    #expect(heaps.contains(4096 + (1 << 20)))
    #expect(live.peakBytes == 4096 + (1 << 20))
    let finished = try MemoryProfile(contentsOf: path)
    let profile = live.profile()
    #expect(profile.summary == finished.summary)
    #expect(profile.timeline == finished.timeline)
    #expect(profile.peak == finished.peak)
  }
}
