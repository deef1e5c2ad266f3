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
