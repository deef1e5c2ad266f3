import Foundation
import Testing
import WorkshopTestSupport

@testable import MemoryTrace

/// The second layout of packed chunks: an ALLOC that only its own FREE_BACK sees goes out without
/// its address and reads back with a stand-in; every other address reads back exactly.
@Suite("Packed chunks without the addresses nobody needs")
struct ElidedAddressTests {
  typealias Chunk = ChunkedCaptureTests.Chunk

  @Test("A stream's history takes a chunk's ALLOCs at once as it takes them one by one, across its growth and wrap")
  func historyAppendsInBulk() {
    let limit = CaptureFormat.freeBackLimit
    var allocations: [PendingAllocation] = []
    for index in 0..<(limit + 70_000) {
      var allocation = PendingAllocation(
        actual: UInt64(index) &* 0x9E37_79B9 & 0xFFFF_FFFF_FFF0, run: 1, tagIndex: Int32(index % 1000), kind: 0)
      if index % 3 == 0 { allocation.run = PendingAllocation.elidedRun }
      allocations.append(allocation)
    }
    let single = PackedStreamHistory()
    let bulk = PackedStreamHistory()
    // Chunks of uneven sizes, so that appends start and end on either side of each growth.
    var start = 0
    var size = 1
    while start < allocations.count {
      let count = min(size, allocations.count - start)
      for allocation in allocations[start..<(start + count)] {
        single.append(allocation.actual, elided: allocation.elided)
      }
      allocations.withUnsafeBufferPointer { bulk.append($0.baseAddress! + start, count: count) }
      start += count
      size = size * 3 + 7
      #expect(bulk.count == single.count)
    }
    for distance in [1, 2, 63, 64, 65, 4095, 4096, 4097, 262_144, limit - 1, limit, limit + 1] {
      let expected = single.allocation(back: UInt64(distance))
      let found = bulk.allocation(back: UInt64(distance))
      #expect(found?.actual == expected?.actual && found?.elided == expected?.elided, "distance \(distance)")
    }
  }

  /// Whether `packed` reads as `plain` but for stand-in addresses, each of which stands for one
  /// real address for as long as its block lives; returns the number of stand-ins.
  static func standInCount(_ packed: [CaptureEvent], matching plain: [CaptureEvent]) -> Int? {
    func withoutHeader(_ events: [CaptureEvent]) -> [CaptureEvent] {
      events.filter { if case .header = $0 { false } else { true } }
    }
    let packed = withoutHeader(packed)
    let plain = withoutHeader(plain)
    guard packed.count == plain.count else { return nil }
    var standsFor: [UInt64: UInt64] = [:]
    var count = 0
    for (read, expected) in zip(packed, plain) {
      switch (read, expected) {
      case (.alloc(var allocation), .alloc(let original)) where ElidedAddresses.isStandIn(allocation.address):
        guard standsFor[allocation.address] == nil else { return nil }
        standsFor[allocation.address] = original.address
        allocation.address = original.address
        guard allocation == original else { return nil }
        count += 1
      case (.free(var deallocation), .free(let original)) where ElidedAddresses.isStandIn(deallocation.address):
        guard standsFor.removeValue(forKey: deallocation.address) == original.address else { return nil }
        deallocation.address = original.address
        guard deallocation == original else { return nil }
      default:
        guard read == expected else { return nil }
      }
    }
    return count
  }

  func events(_ bytes: [UInt8]) throws -> [CaptureEvent] {
    let scratch = ScratchDirectory()
    return try CaptureReader(path: scratch.write(bytes, to: "capture.bin")).readEvents().events
  }

  func repacked(_ bytes: [UInt8], pieces: Int = 1) -> [UInt8] {
    PackedChunkTests().repacked(bytes, policy: .always, pieces: pieces)
  }

  @Test("a churn of pairs: every ALLOC freed by FREE_BACK in its chunk goes without its address")
  func churn() throws {
    var random = SplitMix(seed: 7)
    var chunks: [[UInt8]] = []
    var number: UInt64 = 0
    var live: [UInt64] = []
    var allocations: [UInt64] = []
    var nextAddress: UInt64 = 0x5555_0000
    for _ in 0..<4 {
      var chunk = Chunk(thread: 9)
      chunk.frame(parent: 0, ipDelta: 0x401000)
      for _ in 0..<400 {
        if live.count >= 16 {
          let index = Int(random.next() % UInt64(live.count))
          let address = live.remove(at: index)
          let back = UInt64(allocations.count - allocations.lastIndex(of: address)!)
          chunk.freeBack(number, back: back, address: address)
          number += 1
        }
        // Addresses come back after their free, as an allocator's bins hand them back.
        let address = random.next() % 2 == 0 && !allocations.isEmpty ? nextAddress : nextAddress + 0x40
        nextAddress = address + 0x40 * (1 + random.next() % 3)
        chunk.alloc(number, address: address, size: 16 + random.next() % 4096, stack: 1)
        number += 1
        live.append(address)
        allocations.append(address)
      }
      chunks.append(chunk.bytes)
    }
    let plain = ChunkedCaptureTests.capture(chunks)
    let packed = repacked(plain, pieces: 3)
    let count = try #require(Self.standInCount(try events(packed), matching: try events(plain)))
    // All but the blocks still live at the end, and those freed from an earlier chunk.
    #expect(count > 1400 && count < 1600, "\(count) stand-ins")
  }

  @Test("the repacked bytes are the same however the plain bytes come in, down to a few bytes at a time")
  func piecesDoNotMatter() throws {
    var random = SplitMix(seed: 11)
    var chunks: [[UInt8]] = []
    var number: UInt64 = 0
    var live: [(address: UInt64, ordinal: Int)] = []
    var allocations = 0
    for _ in 0..<3 {
      var chunk = Chunk(thread: 4)
      chunk.frame(parent: 0, ipDelta: 0x401000)
      for _ in 0..<300 {
        if live.count >= 8 {
          let freed = live.remove(at: Int(random.next() % UInt64(live.count)))
          chunk.freeBack(number, back: UInt64(allocations - freed.ordinal), address: freed.address)
        } else {
          let address = 0x7000_0000 + 0x40 * (random.next() % 4096)
          chunk.alloc(number, address: address, size: 16 + random.next() % 512, stack: 1)
          live.append((address, allocations))
          allocations += 1
        }
        number += 1
      }
      chunks.append(chunk.bytes)
    }
    let plain = ChunkedCaptureTests.capture(chunks)
    let whole = repacked(plain)
    for pieces in [2, 3, 7, 64, plain.count / 5, plain.count] {
      #expect(repacked(plain, pieces: pieces) == whole, "in \(pieces) pieces")
    }
    // The same records as the plain capture's (`whole` comes from the same code, so it is checked
    // against the plain bytes, not only against the pieces).
    #expect(Self.standInCount(try events(whole), matching: try events(plain)) != nil)
  }

  @Test("an ALLOC whose address another record sees keeps it")
  func seenAddresses() throws {
    var chunk = Chunk(thread: 3)
    // Another thread's record is numbered in between (2): the address stays.
    chunk.alloc(0, address: 0x1000, size: 8)
    chunk.alloc(1, address: 0x2000, size: 8)
    chunk.freeBack(3, back: 2, address: 0x1000)
    // A FREE of the same address in between (a free the tracker missed, then the block again).
    chunk.alloc(4, address: 0x3000, size: 8)
    chunk.free(5, address: 0x3000)
    chunk.freeBack(6, back: 1, address: 0x3000)
    // A THREAD switch in between.
    chunk.alloc(7, address: 0x4000, size: 8)
    chunk.records.bytes.append(0x03)
    chunk.records.uv(77)
    chunk.freeBack(8, back: 1, address: 0x4000)
    // A realloc's FREE, and a calloc that only its FREE_BACK sees (left out).
    chunk.alloc(9, address: 0x5000, size: 8)
    chunk.freeBack(10, .realloc, back: 1, address: 0x5000)
    chunk.alloc(11, .realloc, address: 0x5000, size: 16)
    chunk.alloc(12, .calloc, address: 0x6000, size: 8)
    chunk.freeBack(13, back: 1, address: 0x6000)
    var other = Chunk(thread: 4)
    other.alloc(2, address: 0x1000, size: 4)
    let plain = ChunkedCaptureTests.capture([chunk.bytes, other.bytes])
    let read = try events(repacked(plain))
    #expect(Self.standInCount(read, matching: try events(plain)) == 1)
  }

  @Test("a record numbered right after keeps the run an ALLOC may go without its address in; a gap ends it")
  func runsOfNumbers() throws {
    var chunk = Chunk(thread: 3)
    // A TICK numbered next: nothing of another thread came in between, the address goes.
    chunk.alloc(0, address: 0x1000, size: 8)
    chunk.numbered(0x04, 1)
    for field: UInt64 in [10, 4096, 0] { chunk.records.uv(field) }
    chunk.freeBack(2, back: 1, address: 0x1000)
    // A TICK after a gap (number 4 went to another thread): the address stays.
    chunk.alloc(3, address: 0x2000, size: 8)
    chunk.numbered(0x04, 5)
    for field: UInt64 in [20, 4096, 0] { chunk.records.uv(field) }
    chunk.freeBack(6, back: 1, address: 0x2000)
    var other = Chunk(thread: 4)
    other.alloc(4, address: 0x9000, size: 4)
    let plain = ChunkedCaptureTests.capture([chunk.bytes, other.bytes])
    let read = try events(repacked(plain))
    #expect(Self.standInCount(read, matching: try events(plain)) == 1)
  }

  @Test("a FREE_BACK naming a left-out ALLOC again frees its real address")
  func namedTwice() throws {
    var first = Chunk(thread: 1)
    first.alloc(0, address: 0x7000, size: 32)
    first.freeBack(1, back: 1, address: 0x7000)
    // In the same chunk, after another thread got 0x7000 (number 2) and passed it here.
    first.freeBack(3, back: 1, address: 0x7000)
    first.alloc(4, address: 0x8000, size: 32)
    first.freeBack(5, back: 1, address: 0x8000)
    var other = Chunk(thread: 2)
    other.alloc(2, address: 0x7000, size: 64)
    other.alloc(6, address: 0x8000, size: 64)
    var second = Chunk(thread: 1)
    // In a later chunk.
    second.freeBack(7, back: 1, address: 0x8000)
    second.end(8, microseconds: 10)
    let plain = ChunkedCaptureTests.capture([first.bytes, other.bytes, second.bytes])
    let read = try events(repacked(plain, pieces: 4))
    #expect(Self.standInCount(read, matching: try events(plain)) == 2)
  }

  /// The damage `BusyThreadTests` met once under load (a chunk of 134,729 bytes that unpacked to
  /// 134,651): a small chunk, which goes out as it is, freed again an address whose ALLOC an
  /// earlier packed chunk of its stream had left out. A reader resolved its FREE_BACK to the
  /// stand-in and took the next address deltas from it: made-up addresses, and the next packed
  /// chunk's stand-ins no longer the lengths the packer counted.
  @Test("a FREE_BACK of a chunk left as it is that names a left-out ALLOC frees its real address")
  func namedAgainByAPlainChunk() throws {
    var first = Chunk(thread: 1)
    var number: UInt64 = 0
    // Large enough to be tried, and packed by far: every ALLOC freed right away, left out.
    for index in 0..<800 {
      let address = 0x5555_0000 + UInt64(index % 7) * 0x40
      first.alloc(number, address: address, size: 16 + UInt64(index % 5) * 8)
      first.freeBack(number + 1, back: 1, address: address)
      number += 2
    }
    let last = first.address
    // Another thread gets the last block's address and passes it to thread 1, which frees it.
    var other = Chunk(thread: 2)
    other.alloc(number, address: last, size: 64)
    number += 1
    var second = Chunk(thread: 1)
    second.freeBack(number, back: 1, address: last)
    second.alloc(number + 1, address: last + 0x100, size: 8)
    second.free(number + 2, address: last + 0x200)
    second.freeBack(number + 3, back: 1, address: last + 0x100)
    second.end(number + 4, microseconds: 10)
    #expect(second.records.bytes.count < 4096, "small enough to go out as it is")
    // A later packed chunk of the stream: its stand-ins count the ALLOCs before it.
    var third = Chunk(thread: 1)
    number += 5
    for index in 0..<800 {
      third.alloc(number, address: 0x6666_0000 + UInt64(index % 3) * 0x40, size: 24)
      third.freeBack(number + 1, back: 1, address: third.address)
      number += 2
    }
    let plain = ChunkedCaptureTests.capture([first.bytes, other.bytes, second.bytes, third.bytes])
    let packed = PackedChunkTests().repacked(plain, policy: .whereSmallerElidingAddresses, pieces: 3)
    let read = try events(packed)
    // Every ALLOC of the two packed chunks, each freed once; the second chunk reads exactly.
    #expect(Self.standInCount(read, matching: try events(plain)) == 1600)
  }

  /// Chunks of `pairs` ALLOC + FREE_BACK pairs each (the first one large enough to be tried),
  /// their addresses and sizes from `address(index)` and `size(index)`, in two threads' streams.
  static func pairedChunks(
    chunks: Int, pairs: Int, address: (Int) -> UInt64, size: (Int) -> UInt64
  ) -> [[UInt8]] {
    var number: UInt64 = 0
    var index = 0
    return (0..<chunks).map { chunkIndex in
      var chunk = Chunk(thread: UInt64(1 + chunkIndex % 2))
      for _ in 0..<pairs {
        chunk.alloc(number, address: address(index), size: size(index))
        chunk.freeBack(number + 1, back: 1, address: address(index))
        number += 2
        index += 1
      }
      return chunk.bytes
    }
  }

  @Test("the first chunks choose the layout: columns that repeat keep every address, random ones leave them out")
  func layoutChosenByTheFirstChunkTried() throws {
    // A few call sites' blocks in turn, as threads and trees allocate: packed, they compress
    // tenfold, and every address goes out (the first layout), across both streams. Undecided until
    // 512 KB of such chunks, they go out in the first layout meanwhile too.
    let few = ChunkedCaptureTests.capture(
      Self.pairedChunks(
        chunks: 2, pairs: 1000, address: { 0x5555_0000 + UInt64($0 % 3) * 0x40 }, size: { 24 + UInt64($0 % 3) * 8 }))
    let (fewPacked, fewLayout) = Self.repackedWhereSmaller(few)
    #expect(fewLayout == .undecided)
    #expect(Self.standInCount(try events(fewPacked), matching: try events(few)) == 0)
    let repeating = ChunkedCaptureTests.capture(
      Self.pairedChunks(
        chunks: 8, pairs: 4000, address: { 0x5555_0000 + UInt64($0 % 3) * 0x40 }, size: { 24 + UInt64($0 % 3) * 8 }))
    let (repeatingPacked, repeatingLayout) = Self.repackedWhereSmaller(repeating)
    #expect(repeatingLayout != .elidesAddresses, "kept (or still undecided where packing did not pay)")
    #expect(Self.standInCount(try events(repeatingPacked), matching: try events(repeating)) == 0)
    // Random sizes and addresses, as the random churn's: ALLOCs freed right away leave their
    // address out (the second layout), in every chunk.
    var random = SplitMix(seed: 11)
    let addresses = (0..<4000).map { _ in 0x7000_0000 + (random.next() % 0x10_0000) * 16 }
    let sizes = (0..<4000).map { _ in 16 + random.next() % 4096 }
    let churn = ChunkedCaptureTests.capture(
      Self.pairedChunks(chunks: 4, pairs: 1000, address: { addresses[$0] }, size: { sizes[$0] }))
    let (churnPacked, churnLayout) = Self.repackedWhereSmaller(churn)
    #expect(churnLayout == .elidesAddresses)
    #expect((Self.standInCount(try events(churnPacked), matching: try events(churn)) ?? 0) > 3000)
  }

  /// `bytes` through a repacker that packs where it pays, in three pieces, and the layout it chose.
  static func repackedWhereSmaller(_ bytes: [UInt8]) -> ([UInt8], CaptureRepacker.Layout) {
    let repacker = CaptureRepacker(policy: .whereSmaller)
    var output: [UInt8] = []
    let step = bytes.count / 3 + 1
    for start in stride(from: 0, to: bytes.count, by: step) {
      try? bytes[start..<min(bytes.count, start + step)].withUnsafeBytes {
        try repacker.take($0) { output.append(contentsOf: $0) }
      }
    }
    try? repacker.finish { output.append(contentsOf: $0) }
    return (output, repacker.layout)
  }

  @Test("EXEC starts every stream's history afresh; FREE_BACKs into an earlier chunk resolve")
  func historyBoundaries() throws {
    var first = Chunk(thread: 1)
    first.alloc(0, address: 0x100, size: 1)
    first.alloc(1, address: 0x200, size: 1)
    var second = Chunk(thread: 1)
    second.freeBack(2, back: 2, address: 0x100)
    second.alloc(3, address: 0x300, size: 1)
    second.freeBack(4, back: 1, address: 0x300)
    var afterExec = Chunk(thread: 1)
    afterExec.alloc(0, address: 0x900, size: 1)
    afterExec.freeBack(1, back: 1, address: 0x900)
    afterExec.freeBack(2, back: 1, address: 0x900)
    var exec = CaptureWriter(header: nil)
    exec.bytes.append(CaptureFormat.execTag)
    exec.uv(5)
    let plain = ChunkedCaptureTests.capture([first.bytes, second.bytes, exec.bytes, afterExec.bytes])
    let read = try events(repacked(plain, pieces: 5))
    #expect(Self.standInCount(read, matching: try events(plain)) == 2)
  }

  @Test(
    "ALLOCs the packer cannot tell apart from a left-out one stay as they are: kinds 14 and 15, addresses from 2^63",
    arguments: [(UInt8(0x1e), UInt64(0x1000)), (0x1f, 0x1000), (0x10, 0x8000_0000_0000_1000)])
  func unpackable(tag: UInt8, address: UInt64) throws {
    var chunk = Chunk(thread: 1)
    for index in 0..<8 {
      chunk.alloc(UInt64(2 * index), address: 0x2000 + UInt64(index) * 0x40, size: 24)
      chunk.freeBack(UInt64(2 * index + 1), back: 1, address: 0x2000 + UInt64(index) * 0x40)
    }
    // Written by hand: no kind of the tracker's is 14 or 15.
    chunk.numbered(tag, 16)
    chunk.records.sv(Int64(bitPattern: address &- chunk.address))
    chunk.address = address
    chunk.records.uv(24)
    chunk.records.uv(0)
    chunk.freeBack(17, back: 1, address: address)
    let plain = ChunkedCaptureTests.capture([chunk.bytes])
    let packed = repacked(plain)
    // The chunk goes out as it is: everything after the header (whose version says 5) is the same.
    #expect(packed.count == plain.count)
    #expect(packed.dropFirst(CaptureFormat.headerSize).elementsEqual(plain.dropFirst(CaptureFormat.headerSize)))
  }

  @Test("the address table keeps 16 bits of a tag index and answers only within their reach")
  func addressTouches() {
    let touches = AddressTouches()
    defer { touches.deallocate() }
    let address: UInt64 = 0x7f00_1234_5670
    touches.set(address, 5)
    #expect(touches.isLast(address, 5, before: 6))
    touches.set(address, 9)
    #expect(!touches.isLast(address, 5, before: 10))
    // 2^16 tags later the low bits are the ALLOC's again: too far to tell, so "seen".
    touches.set(address, 5 + AddressTouches.reach)
    #expect(!touches.isLast(address, 5, before: 6 + AddressTouches.reach))
    #expect(touches.isLast(address, 5 + AddressTouches.reach, before: 6 + AddressTouches.reach))
  }

  @Test("damaged second-layout chunks are one sentence, never a crash", arguments: 0..<4)
  func damaged(seed: Int) throws {
    var chunk = Chunk(thread: 1)
    for index in 0..<200 {
      chunk.alloc(UInt64(2 * index), address: 0x1000 + UInt64(index % 7) * 0x40, size: UInt64(index))
      chunk.freeBack(UInt64(2 * index + 1), back: 1, address: 0x1000 + UInt64(index % 7) * 0x40)
    }
    let packed = repacked(ChunkedCaptureTests.capture([chunk.bytes]))
    #expect(packed.contains(CaptureFormat.columnsTag))
    var random = SplitMix(seed: UInt64(seed))
    for _ in 0..<40 {
      var damaged = packed
      let index = CaptureFormat.headerSize + Int(random.next() % UInt64(packed.count - CaptureFormat.headerSize))
      damaged[index] ^= UInt8(truncatingIfNeeded: 1 + random.next() % 255)
      let scratch = ScratchDirectory()
      let path = scratch.write(damaged, to: "damaged.bin")
      // Either it reads (the byte changed a size, say) or it stops with a warning; never a trap.
      _ = try? CaptureReader(path: path).readEvents()
    }
  }
}
