import Foundation
import MemoryAnalysis
import MemoryTrace
import Testing
import WorkshopTestSupport

/// Real threads' clock-keyed captures (format 6) through workshop's compressor: packed with stripe
/// columns (format 7), they read exactly as the plain ones.
@Suite("Compressing clock-keyed captures of real threads", .timeLimit(.minutes(5)))
struct ClockKeyedCompressionTests {
  @Test(
    "8 threads freeing each other's blocks: compressed, the capture is packed and reads as the plain one",
    arguments: ["clock", "switch"])
  func crossingThreads(order: String) throws {
    let program = try Programs.compile("pattern_cross_threads.c", extraFlags: ["-fno-builtin", "-pthread"])
    let run = try TrackedRun.run(
      program.executable, compress: false, environment: ["WORKSHOP_TRACKER_ORDER": order])
    #expect(run.result.status == 0)
    let plainVersion = try #require(run.profile.header?.version)
    let copy = URL(fileURLWithPath: run.capturePath).deletingLastPathComponent()
      .appendingPathComponent("compressed.bin").path
    try FileManager.default.copyItem(atPath: run.capturePath, toPath: copy)
    try CaptureCompression.compress(path: copy)
    let plain = try CaptureReader(path: run.capturePath).readEvents()
    let reader = try CaptureReader(path: copy)
    let packed = try reader.readEvents()
    #expect(reader.header?.version == (plainVersion == CaptureFormat.clockVersion ? 7 : 5))
    #expect(packed.progress.sawEnd && packed.progress.warning == nil)
    #expect(packed.events.count == plain.events.count)
    #expect(packed.events.dropFirst() == plain.events.dropFirst(), "the same events in the same order")
    let plainSize = try FileManager.default.attributesOfItem(atPath: run.capturePath)[.size] as? Int ?? 0
    let packedSize = try FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int ?? 0
    #expect(packedSize * 10 < plainSize, "packed \(packedSize) bytes against \(plainSize) plain")
  }

  @Test("workshop run under the switch order leaves a version 7 capture whose figures are the program's")
  func runUnderSwitch() throws {
    let program = try Programs.compile("pattern_cross_threads.c", extraFlags: ["-fno-builtin", "-pthread"])
    let run = try TrackedRun.run(program.executable, environment: ["WORKSHOP_TRACKER_ORDER": "switch"])
    #expect(run.result.status == 0)
    let clocksource =
      (try? String(
        contentsOfFile: "/sys/devices/system/clocksource/clocksource0/current_clocksource", encoding: .utf8)) ?? ""
    if clocksource.hasPrefix("tsc") { #expect(run.profile.header?.version == CaptureFormat.clockPackedVersion) }
    let own = run.totals(run.profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
    #expect(own.count == 242_400)
    let atPeak = run.totals(run.profile.peak.aliveByStack, allocatedDirectlyFrom: program.executable)
    #expect(atPeak.bytes == 345_600)
    try expectExactOrder(of: run, reallocs: 800 + 80_000)
  }
}
