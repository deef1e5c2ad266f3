import MemoryAnalysis
import MemoryTrace
import Testing

@Suite("Temporaries, histogram, threads, timeline, markers and regions")
struct FigureTests {
  @Test("a block freed before its thread allocates again is temporary")
  func temporaries() {
    var run = Run()
    run.on(1)
    run.alloc(0xA, 10, stack: 1)
    run.free(0xA)  // temporary
    run.alloc(0xB, 20, stack: 2)
    run.alloc(0xC, 30, stack: 3)
    run.free(0xB)  // not: C was allocated since
    run.free(0xC)  // temporary: C is still the thread's last allocation
    run.alloc(0xD, 40, stack: 1)
    run.on(2)
    run.free(0xD)  // not: freed by another thread
    run.on(1)
    run.alloc(0xE, 50, stack: 1)
    run.free(0xE, kind: .realloc)  // the old block of a moving realloc counts too
    let temporaries = run.profile.temporaries
    #expect(temporaries.count == 3)
    #expect(temporaries.bytes == 90)
    #expect(
      temporaries.byStack == [StackTotal(stack: 1, bytes: 60, count: 2), StackTotal(stack: 3, bytes: 30, count: 1)])
  }

  @Test("8 interleaved threads keep their own last allocation")
  func eightThreads() {
    var run = Run()
    for thread in UInt64(1)...8 {
      run.on(100 + thread)
      run.alloc(thread * 0x100, thread, stack: UInt32(thread))
    }
    for thread in UInt64(1)...8 where thread % 2 == 0 {
      run.on(100 + thread)
      run.free(thread * 0x100)
    }
    run.on(101)
    run.free(0x800)  // thread 8's block, freed by thread 1: not temporary
    let profile = run.profile
    #expect(profile.totals.threads == 8)
    #expect(profile.threadIDs == Array(101...108))
    #expect(profile.temporaries.count == 4)
    #expect(profile.temporaries.bytes == 2 + 4 + 6 + 8)
    #expect(profile.peak.bytes == 36)
    #expect(profile.heapBytesAtEnd == 1 + 3 + 5 + 7)
    #expect(profile.leaks.map(\.stack) == [7, 5, 3, 1])
  }

  @Test(
    "sizes fall in power-of-two buckets",
    arguments: [
      (UInt64(0), 0), (1, 1), (2, 2), (3, 2), (4, 3), (7, 3), (8, 4), (1023, 10), (1024, 11), (UInt64.max, 64),
    ] as [(UInt64, Int)])
  func bucketIndex(size: UInt64, bucket: Int) {
    #expect(SizeHistogram.bucketIndex(of: size) == bucket)
  }

  @Test("the histogram counts and sums every allocation")
  func histogram() {
    var run = Run()
    for (index, size) in [0, 1, 2, 3, 4, 1000, 1024, 1500].enumerated() {
      run.alloc(UInt64(index + 1) * 16, UInt64(size))
    }
    let buckets = run.profile.histogram.buckets
    #expect(buckets.count == 12)
    #expect(buckets[0] == SizeHistogram.Bucket(lowerBound: 0, upperBound: 0, count: 1, bytes: 0))
    #expect(buckets[2] == SizeHistogram.Bucket(lowerBound: 2, upperBound: 3, count: 2, bytes: 5))
    #expect(buckets[10] == SizeHistogram.Bucket(lowerBound: 512, upperBound: 1023, count: 1, bytes: 1000))
    #expect(buckets[11] == SizeHistogram.Bucket(lowerBound: 1024, upperBound: 2047, count: 2, bytes: 2524))
    #expect(buckets[5].count == 0)
    #expect(run.profile.histogram.totalCount == 8)
  }

  @Test("each tick records the heap then, the max since the previous tick, and rss")
  func timeline() {
    var run = Run()
    run.tick(ms: 0, rss: 1000)
    run.alloc(1, 500)
    run.free(1)
    run.alloc(2, 100)
    run.tick(ms: 10, rss: 2000)
    run.tick(ms: 20, rss: 3000)
    run.alloc(3, 50)
    run.tick(ms: 30, rss: 2500)
    #expect(
      run.profile.timeline == [
        TimelinePoint(microseconds: 0, heapBytes: 0, maxHeapBytes: 0, residentBytes: 1000, trackerBytes: 0),
        TimelinePoint(microseconds: 10_000, heapBytes: 100, maxHeapBytes: 500, residentBytes: 2000, trackerBytes: 0),
        TimelinePoint(microseconds: 20_000, heapBytes: 100, maxHeapBytes: 100, residentBytes: 3000, trackerBytes: 0),
        TimelinePoint(microseconds: 30_000, heapBytes: 150, maxHeapBytes: 150, residentBytes: 2500, trackerBytes: 0),
      ])
    #expect(run.profile.totals.durationMicroseconds == 30_000)
  }

  /// A run with 1000 bytes before the workload, a workload between two markers, and more after.
  static func workload(_ regions: [RegionRequest]) -> MemoryProfile {
    var run = Run(regions: regions)
    run.alloc(0x1, 1000, stack: 1)  // before: 1000
    run.alloc(0x2, 10, stack: 1)
    run.tick(ms: 10)
    run.marker("start")  // base 1010
    run.alloc(0x10, 500, stack: 2)  // +500
    run.tick(ms: 20)
    run.alloc(0x11, 300, stack: 3)  // +800: region peak
    run.free(0x1)  // -200
    run.alloc(0x12, 1000, stack: 4)  // +800 again: the last time it is reached
    run.tick(ms: 30)
    run.free(0x10)
    run.marker("end")
    run.tick(ms: 40)
    run.alloc(0x20, 5000, stack: 5)  // after the region
    run.tick(ms: 50)
    run.free(0x20)
    return run.profile
  }

  @Test("the region peak counts only what the region allocated; growth is net of older frees")
  func regionBetweenMarkers() throws {
    let request = RegionRequest(from: "start", to: "end")
    let profile = Self.workload([request])
    let region = try #require(profile.region(request))
    #expect(region.started && region.endedAtMarker)
    #expect(region.startHeapBytes == 1010)
    #expect(region.peakBytes == 1800)
    #expect(region.peakGrowthBytes == 800)
    #expect(region.allocations == 3)
    #expect(region.bytesAllocated == 1800)
    #expect(region.temporaryAllocations == 0)
    #expect(region.leaks == [StackTotal(stack: 4, bytes: 1000, count: 1), StackTotal(stack: 3, bytes: 300, count: 1)])
    #expect(region.leakedBytes == 1300)
    #expect(region.peakMicroseconds == 20_000)
    #expect(region.peakEventIndex == 5)
    #expect(
      region.aliveAtPeak == [
        StackTotal(stack: 4, bytes: 1000, count: 1), StackTotal(stack: 2, bytes: 500, count: 1),
        StackTotal(stack: 3, bytes: 300, count: 1),
      ])
    #expect(region.startMicroseconds == 10_000)
    #expect(region.endMicroseconds == 30_000)
    #expect(profile.peak.bytes == 6310)
    #expect(profile.markers.map(\.name) == ["start", "end"])
    #expect(profile.markers.map(\.eventIndex) == [2, 7])
    #expect(profile.markers.map(\.heapBytes) == [1010, 1310])
  }

  @Test(
    "regions open at their marker and close at theirs, the end of the run, or never start",
    arguments: [
      (RegionRequest(from: "start"), true, false, UInt64(6300), UInt64(5300)),
      (RegionRequest(from: "end"), true, false, 5000, 5000),
      (RegionRequest(from: "start", to: "missing"), true, false, 6300, 5300),
      (RegionRequest(from: "missing", to: "end"), false, false, 0, 0),
      (RegionRequest(from: "end", to: "start"), true, false, 5000, 5000),
    ] as [(RegionRequest, Bool, Bool, UInt64, UInt64)])
  func regionTable(request: RegionRequest, started: Bool, endedAtMarker: Bool, peak: UInt64, growth: UInt64) throws {
    let region = try #require(Self.workload([request]).region(request))
    #expect(region.started == started)
    #expect(region.endedAtMarker == endedAtMarker)
    #expect(region.peakBytes == peak)
    #expect(region.peakGrowthBytes == growth)
  }

  @Test("a region that frees an older block is not credited with it")
  func shrinkingRegion() throws {
    var run = Run(regions: [RegionRequest(from: "go")])
    run.alloc(1, 100, stack: 1)
    run.marker("go")
    run.free(1)
    run.alloc(2, 50, stack: 2)
    let region = try #require(run.profile.regions.first)
    #expect(region.peakGrowthBytes == 0, "the heap never grew over its size at the marker")
    #expect(region.peakBytes == 50)
    #expect(region.aliveAtPeak == [StackTotal(stack: 2, bytes: 50, count: 1)])
    #expect(region.leakedBytes == 50)
  }

  @Test("a region counts its allocations and its temporary ones")
  func regionCounts() throws {
    var run = Run(regions: [RegionRequest(from: "go", to: "stop")])
    run.alloc(1, 10, stack: 1)
    run.marker("go")
    run.free(1)  // temporary, but allocated before the region
    for address in UInt64(10)..<20 {
      run.alloc(address, 8, stack: 2)
      run.free(address)  // temporary
    }
    run.alloc(30, 64, stack: 3)
    run.alloc(31, 64, stack: 3)
    run.marker("stop")
    run.free(30)
    let region = try #require(run.profile.regions.first)
    #expect(region.allocations == 12)
    #expect(region.bytesAllocated == 80 + 128)
    #expect(region.temporaryAllocations == 10)
    #expect(region.leaks == [StackTotal(stack: 3, bytes: 64, count: 1)])
    #expect(
      region.allocatedByStack == [
        StackTotal(stack: 3, bytes: 128, count: 2), StackTotal(stack: 2, bytes: 80, count: 10),
      ])
    #expect(region.temporaryByStack == [StackTotal(stack: 2, bytes: 80, count: 10)])
  }

  @Test("region peaks match a slow replay on random sequences", arguments: 0..<6)
  func regionMatchesReplay(seed: Int) throws {
    var random = SplitMix(seed: UInt64(seed) &+ 99)
    var model = NaiveModel()
    let request = RegionRequest(from: "a", to: "b")
    var run = Run(regions: [request])
    var live: [UInt64] = []
    let count = 400
    let startAt = 50 + Int(random.next() % 100)
    let endAt = startAt + 50 + Int(random.next() % 200)
    var eventsBeforeStart = 0
    var eventsBeforeEnd = 0
    for position in 0..<count {
      if position == startAt {
        run.marker("a")
        eventsBeforeStart = model.events.count
      }
      if position == endAt {
        run.marker("b")
        eventsBeforeEnd = model.events.count
      }
      if live.isEmpty || random.next() % 100 < 55 {
        let address = 0x1000 + (random.next() % 200) * 16
        let size = random.next() % 1000
        let stack = UInt32(random.next() % 7)
        run.alloc(address, size, stack: stack)
        model.events.append(.alloc(address: address, size: size, stack: stack, thread: 1))
        if !live.contains(address) { live.append(address) }
      } else {
        let address = live.remove(at: Int(random.next() % UInt64(live.count)))
        run.free(address)
        model.events.append(.free(address: address, thread: 1))
      }
    }
    let region = try #require(run.profile.region(request))
    let (growth, _) = model.peak(from: eventsBeforeStart, to: eventsBeforeEnd)
    #expect(region.peakGrowthBytes == UInt64(max(growth, 0)))
    let (peak, through) = model.regionPeak(from: eventsBeforeStart, to: eventsBeforeEnd)
    #expect(region.peakBytes == peak)
    let alive = model.alive(after: through).values.filter { $0.index >= eventsBeforeStart }
    #expect(Set(region.aliveAtPeak) == NaiveModel.grouped(alive))
  }
}
