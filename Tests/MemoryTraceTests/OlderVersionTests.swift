import Foundation
import MemoryTrace
import Testing

/// Captures written by earlier trackers still read exactly: format version 2 (every record at the
/// top level, in order), written by the version 2 tracker running
/// Tests/TrackerTests/Programs/pattern_basic.c and pattern_threads.c, and format version 3 (numbered
/// per-thread chunks, FREE_BACK), written by the version 3 tracker running pattern_basic.c,
/// pattern_threads.c and pattern_cross_threads.c (that one compressed by the zstd command, as a
/// version 3 `workshop run` left its captures: chunks as the tracker wrote them), and format version
/// 4 (version 3 with chunks packed in the first COLUMNS layout), as a version 4 `workshop run` left it.
@Suite("Captures of older format versions")
struct OlderVersionTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  /// Allocations, frees, peak and what is left, from the records alone.
  struct Figures: CaptureVisitor {
    var live: [UInt64: UInt64] = [:]
    var heap: UInt64 = 0
    var peak: UInt64 = 0
    var allocations = 0
    var frees = 0
    var threads: Set<UInt64> = []
    mutating func visit(_ allocation: AllocationEvent) {
      allocations += 1
      if let replaced = live.updateValue(allocation.size, forKey: allocation.address) { heap -= replaced }
      heap += allocation.size
      peak = max(peak, heap)
      threads.insert(allocation.thread)
    }
    mutating func visit(_ deallocation: DeallocationEvent) {
      if let size = live.removeValue(forKey: deallocation.address) {
        heap -= size
        frees += 1
      }
    }
  }

  func read(_ name: String) throws -> (figures: Figures, header: CaptureHeader?, progress: ReadProgress) {
    let reader = try CaptureReader(path: Self.fixtures.appendingPathComponent(name).path)
    var figures = Figures()
    let progress = try reader.read(into: &figures)
    return (figures, reader.header, progress)
  }

  @Test("a version 2 or 3 capture of every allocator function reads as its program says", arguments: [2, 3])
  func basic(version: Int) throws {
    let (figures, header, progress) = try read("pattern_basic.v\(version).bin")
    #expect(header?.version == UInt16(version))
    #expect(progress.sawEnd && progress.warning == nil)
    #expect(figures.allocations == 11)
    #expect(figures.frees == 8)
    #expect(figures.peak == 7140)
    #expect(figures.heap == 1240)
    #expect(figures.live.count == 3)
  }

  @Test("a version 2 or 3 capture of 8 threads reads as its program says", arguments: [2, 3])
  func threads(version: Int) throws {
    let (figures, header, progress) = try read("pattern_threads.v\(version).bin")
    #expect(header?.version == UInt16(version))
    #expect(progress.sawEnd && progress.warning == nil)
    #expect(figures.allocations == 808)
    #expect(figures.frees == 796)
    #expect(figures.peak == 232_832)
    #expect(figures.heap == 3520)
    #expect(figures.threads.count == 9)
  }

  /// The program's own blocks are 242,400 allocations, 8 leaked (1,152 B) and a peak of
  /// 345,600 B; libc and pthread_create add 8 allocations, 4 of them left at the end. The version 3
  /// capture is as the zstd command compressed it; the version 4 one was written by `workshop run`
  /// of session 6's start (8a31f5b): chunks packed into first-layout COLUMNS records where that paid.
  @Test(
    "a compressed capture of 8 threads freeing and reallocating each other's blocks reads exactly",
    arguments: [("pattern_cross_threads.v3.zst.bin", 3), ("pattern_cross_threads.v4.zst.bin", 4)])
  func crossThreads(fixture: String, version: UInt16) throws {
    let (figures, header, progress) = try read(fixture)
    #expect(header?.version == version)
    #expect(progress.sawEnd && progress.warning == nil)
    #expect(figures.allocations == 242_408)
    #expect(figures.frees == 242_396)
    #expect(figures.peak == 348_032)
    #expect(figures.heap == 2368)
    #expect(figures.live.count == 12)
    #expect(figures.threads.count == 9)
  }
}
