import Testing

@testable import MemoryTrace

/// A stream's ring of recent ALLOC addresses, which FREE_BACK records name by distance.
@Suite("Recent allocations of a stream")
struct RecentAllocationsTests {
  @Test("every address within reach is named by its distance, while the ring grows and once it wraps")
  func distances() {
    var recent = RecentAllocations()
    #expect(recent.address(back: 1) == nil, "nothing allocated yet")
    let limit = CaptureFormat.freeBackLimit
    for count in 1...(limit + 1000) {
      recent.append(UInt64(count) << 4)
      // Around each growth (64, 128, ... places) and after the ring stopped growing.
      if count.nonzeroBitCount == 1 || count == 65 || count == limit + 1000 {
        let reach = min(count, limit)
        for distance in [1, 2, reach / 2, reach - 1, reach] where distance >= 1 && distance <= reach {
          #expect(recent.address(back: UInt64(distance)) == UInt64(count - distance + 1) << 4)
        }
        #expect(recent.address(back: UInt64(reach + 1)) == nil, "out of reach after \(count)")
        #expect(recent.address(back: 0) == nil)
      }
    }
    #expect(recent.count == limit + 1000)
  }

  @Test("a copy lent out reads the same addresses")
  func copies() {
    var recent = RecentAllocations()
    for address in 1...100 as ClosedRange<UInt64> { recent.append(address) }
    let lent = recent
    #expect(lent.address(back: 1) == 100)
    #expect(lent.address(back: 100) == 1)
  }
}

/// A ring past ``RecentAllocations/mappedFrom`` places is mapped at its full size; where mmap
/// fails it doubles with malloc instead (``RecentAllocations/mappingAllowed`` false forces that).
@Suite("Recent allocations when mmap fails")
struct RecentAllocationsFallbackTests {
  @Test("a ring that doubles with malloc names every address within reach as the mapped one does, past the limit")
  func ringWithoutMapping() {
    var mapped = RecentAllocations()
    var doubled = RecentAllocations()
    let limit = CaptureFormat.freeBackLimit
    for count in 1...(limit + 1000) {
      mapped.append(UInt64(count) << 4)
      RecentAllocations.$mappingAllowed.withValue(false) { doubled.append(UInt64(count) << 4) }
      if count.nonzeroBitCount == 1 || count == RecentAllocations.mappedFrom + 1 || count == limit + 1000 {
        let reach = min(count, limit)
        for distance in [1, 2, reach / 2, reach - 1, reach, reach + 1] where distance >= 1 {
          let back = UInt64(distance)
          #expect(doubled.address(back: back) == mapped.address(back: back), "\(distance) back after \(count)")
          #expect(doubled.address(back: back) == (distance <= reach ? UInt64(count - distance + 1) << 4 : nil))
        }
      }
    }
  }

  @Test("one stream of more ALLOCs than FREE_BACK reaches decodes the same with and without mapping")
  func streamPastTheLimitWithoutMapping() throws {
    let (bytes, expectedFrees) = Self.longStream()
    let scratch = ScratchDirectory()
    let path = scratch.write(bytes, to: "c.bin")
    func read() throws -> [CaptureEvent] {
      var collector = CaptureEventCollector()
      try CaptureReader(path: path).read(into: &collector)
      return collector.events
    }
    let mapped = try read()
    let doubled = try RecentAllocations.$mappingAllowed.withValue(false) { try read() }
    let frees = doubled.compactMap { if case .free(let free) = $0 { free.address } else { nil } }
    #expect(frees == expectedFrees, "every FREE_BACK names the block it was written for")
    #expect(doubled.count == mapped.count)
    #expect(doubled == mapped)
  }

  /// A version 3 capture of one thread's stream: `freeBackLimit` + 64 Ki ALLOCs at distinct
  /// addresses, in chunks of 4,096 records, and every 1,021 ALLOCs a FREE_BACK of the block made
  /// half of them ago (across the ring's growth, its mapping or doubling), past the limit one more
  /// of the block as far back as FREE_BACK reaches (across its wrapping). Returns the bytes and the
  /// addresses the FREEs name, in order.
  static func longStream() -> (bytes: [UInt8], frees: [UInt64]) {
    let limit = UInt64(CaptureFormat.freeBackLimit)
    let allocations = limit + 1 << 16
    func address(_ index: UInt64) -> UInt64 { 0x1000_0000 + index << 5 }
    var parts: [[UInt8]] = []
    var frees: [UInt64] = []
    var number: UInt64 = 0
    var chunk = ChunkedCaptureTests.Chunk(thread: 9)
    var records = 0
    func flushIfFull() {
      records += 1
      guard records == 4096 else { return }
      parts.append(chunk.bytes)
      chunk = ChunkedCaptureTests.Chunk(thread: 9)
      records = 0
    }
    for index in 0..<allocations {
      chunk.alloc(number, address: address(index), size: 16 + index % 64)
      number += 1
      flushIfFull()
      let count = index + 1
      guard count % 1021 == 0 else { continue }
      for back in count > limit ? [(count + 1) / 2, limit] : [(count + 1) / 2] {
        chunk.freeBack(number, back: back, address: address(count - back))
        frees.append(address(count - back))
        number += 1
        flushIfFull()
      }
    }
    parts.append(chunk.bytes)
    var end = ChunkedCaptureTests.Chunk(thread: 9)
    end.end(number, microseconds: 1000)
    parts.append(end.bytes)
    return (ChunkedCaptureTests.capture(parts), frees)
  }
}
