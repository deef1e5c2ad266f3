import Foundation
import MemoryAnalysis
import MemoryTrace
import Testing

/// Throughput on a synthetic 10M-event capture. Run with
/// `WORKSHOP_BENCHMARK=1 swift test -c release --filter Benchmark`.
@Suite("Benchmark", .enabled(if: ProcessInfo.processInfo.environment["WORKSHOP_BENCHMARK"] != nil))
struct BenchmarkTests {
  struct NothingVisitor: CaptureVisitor {
    var allocations = 0
    mutating func visit(_ allocation: AllocationEvent) { allocations += 1 }
  }

  /// 8 threads, 2,000 stacks, sizes spread over 1 B–64 kB, a live set wandering around 200k blocks,
  /// a tick every 20k events. Returns the bytes and the (address, isAlloc) sequence for map replays.
  static func syntheticCapture(events: Int) -> (bytes: [UInt8], operations: [(UInt64, Bool)]) {
    var random = SplitMix(seed: 42)
    var writer = CaptureWriter(header: CaptureHeader(flags: .nativeStacks))
    writer.bytes.reserveCapacity(events * 7)
    writer.modules([Module(path: "/bench", loadBias: 0x40_0000, lowAddress: 0x40_0000, highAddress: 0x80_0000)])
    var stacks: [UInt32] = []
    for index in 0..<2000 {
      let parent = index < 50 ? 0 : stacks[Int(random.next() % UInt64(stacks.count))]
      stacks.append(writer.frame(parent: parent, ip: 0x40_0000 + random.next() % 0x40_0000))
    }
    var live: [UInt64] = []
    var reuse: [UInt64] = []
    var next: UInt64 = 0x5555_0000_0000
    var operations: [(UInt64, Bool)] = []
    operations.reserveCapacity(events)
    var thread: UInt64 = 0
    for index in 0..<events {
      if index % 20_000 == 0 { writer.tick(microseconds: UInt64(index / 2), resident: UInt64(live.count) * 100) }
      if index % 64 == 0 {
        thread = 1000 + random.next() % 8
        writer.thread(thread)
      }
      let target = 200_000 + Int((index / 1_000_000) % 3) * 100_000
      let allocate = live.isEmpty || random.next() % UInt64(2 * target) >= UInt64(live.count)
      if allocate {
        let address: UInt64
        if let reused = reuse.popLast() {
          address = reused
        } else {
          address = next
          next += 16 * (1 + random.next() % 64)
        }
        let size = 1 + (random.next() % 64) << (random.next() % 11)
        writer.alloc(address: address, size: size, stack: stacks[Int(random.next() % 2000)])
        live.append(address)
        operations.append((address, true))
      } else {
        // Mostly recent blocks die (temporaries), sometimes old ones.
        let pick = random.next() % 4 == 0 ? Int(random.next() % UInt64(live.count)) : live.count - 1
        let address = live[pick]
        live.swapAt(pick, live.count - 1)
        live.removeLast()
        writer.free(address: address)
        reuse.append(address)
        operations.append((address, false))
      }
    }
    writer.end(microseconds: UInt64(events / 2))
    return (writer.bytes, operations)
  }

  static func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }

  @Test("10M events: decoding, full analysis, and the live-block map against Dictionary")
  func tenMillionEvents() throws {
    let events = 10_000_000
    let (bytes, operations) = Self.syntheticCapture(events: events)
    let scratch = ScratchDirectory()
    let path = scratch.write(bytes, to: "bench.bin")

    var decodeSeconds = Double.infinity
    var analysisSeconds = Double.infinity
    var profile: MemoryProfile?
    for _ in 0..<3 {
      decodeSeconds = min(
        decodeSeconds,
        try Self.measure {
          var visitor = NothingVisitor()
          try CaptureReader(path: path).read(into: &visitor)
          #expect(visitor.allocations > 0)
        })
      analysisSeconds = min(analysisSeconds, try Self.measure { profile = try MemoryProfile(contentsOf: path) })
    }

    var tableSeconds = Double.infinity
    var dictionarySeconds = Double.infinity
    var liveInTable = 0
    var liveInDictionary = 0
    for _ in 0..<3 {
      tableSeconds = min(
        tableSeconds,
        Self.measure {
          let table = LiveBlockTable()
          var serial: UInt64 = 0
          for (address, isAlloc) in operations {
            if isAlloc {
              table.insert(address, LiveBlock(size: serial, serial: serial, stack: 1, thread: 0))
            } else {
              table.remove(address)
            }
            serial &+= 1
          }
          liveInTable = table.count
        })
      dictionarySeconds = min(
        dictionarySeconds,
        Self.measure {
          var table: [UInt64: LiveBlock] = [:]
          table.reserveCapacity(1 << 16)
          var serial: UInt64 = 0
          for (address, isAlloc) in operations {
            if isAlloc {
              table[address] = LiveBlock(size: serial, serial: serial, stack: 1, thread: 0)
            } else {
              table.removeValue(forKey: address)
            }
            serial &+= 1
          }
          liveInDictionary = table.count
        })
    }
    #expect(liveInTable == liveInDictionary, "both maps end with the same live blocks")
    #expect(liveInTable > 0)
    func millions(_ seconds: Double) -> String {
      String(format: "%.1f M events/s (%.0f ms)", Double(events) / seconds / 1e6, seconds * 1000)
    }
    print(
      """
      benchmark: \(events) events, \(bytes.count / 1_000_000) MB capture, peak \(profile?.peak.bytes ?? 0) bytes
        decode only:          \(millions(decodeSeconds))
        decode + analysis:    \(millions(analysisSeconds))
        map replay, LiveBlockTable: \(millions(tableSeconds))
        map replay, Dictionary:     \(millions(dictionarySeconds))
      """)
  }
}
