import Testing

@testable import MemoryTrace

/// The packer's readers in their quick forms agree with the plain forms they replaced.
@Suite("The packer's varint reading and rank counting")
struct PackerReadingTests {
  /// Reads `bytes` with one reader until it refuses or they end: each value and where it ended.
  static func readAll(_ bytes: [UInt8], quick: Bool) -> [(UInt64?, Int)] {
    bytes.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return [] }
      var reader = FieldReader(base: base, end: buffer.count)
      var results: [(UInt64?, Int)] = []
      while !reader.atEnd {
        let value = quick ? reader.canonicalUnsigned() : reader.canonicalUnsignedByLength()
        results.append((value, reader.position))
        if value == nil { break }
      }
      return results
    }
  }

  @Test(
    "canonicalUnsigned reads as the reading by length: values, overlong, cut off and too long",
    arguments: [
      [0x00, 0x7f, 0x80, 0x01, 0xff, 0x7f, 0xe5, 0x8e, 0x26],
      [0x80, 0x00],  // 0 in two bytes: not canonical
      [0x81, 0x80, 0x00],  // overlong
      [0xff, 0xff],  // cut off
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],  // UInt64.max
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],  // above UInt64.max
      [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],  // eleven bytes
      [0x05, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
    ] as [[UInt8]])
  func canonicalReading(bytes: [UInt8]) {
    Self.expectSameReading(bytes, "as they are")
    // Followed by more bytes, so that a varint's 8 bytes from its start are there to load at once.
    for padding in [0x00, 0x01, 0x80, 0xff] as [UInt8] {
      Self.expectSameReading(bytes + [UInt8](repeating: padding, count: 12) + [0x00], "padding \(padding)")
    }
  }

  /// Expects both readers to read the same values from `bytes` and to stop at the same places.
  static func expectSameReading(_ bytes: [UInt8], _ comment: Comment) {
    let quick = readAll(bytes, quick: true)
    let plain = readAll(bytes, quick: false)
    #expect(quick.map(\.0) == plain.map(\.0), comment)
    #expect(quick.map(\.1) == plain.map(\.1), comment)
  }

  @Test("Every varint of 2 to 10 bytes, canonical or not, reads as the reading by length")
  func everyLength() {
    // Each length with a last byte of 0 (not canonical), 1, 2 and 0x7f, and middle bytes of 0x80
    // and 0xff; each read from a start 0 to 7 bytes into a longer buffer, and at its very end.
    for length in 2...10 {
      for last in [0x00, 0x01, 0x02, 0x7f] as [UInt8] {
        for middle in [0x80, 0xff] as [UInt8] {
          let varint = [UInt8](repeating: middle, count: length - 1) + [last]
          for lead in 0..<8 {
            let prefix = [UInt8](repeating: 0x05, count: lead)
            for bytes in [prefix + varint + [0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09], prefix + varint] {
              Self.expectSameReading(bytes, "length \(length), last \(last), lead \(lead)")
            }
          }
        }
      }
    }
  }

  @Test("Every value up to 2^21 and around each power of two reads back from its shortest varint")
  func everyValue() {
    var values = Array(UInt64(0)..<(1 << 21))
    for shift in 0..<64 { values += [1 << shift, (1 << shift) - 1, (1 << shift) + 1] }
    values.append(.max)
    var bytes: [UInt8] = []
    for value in values { appendUnsigned(value, to: &bytes) }
    #expect(Self.readAll(bytes, quick: true).map(\.0) == values.map { $0 })
  }

  @Test("The packer's rank (counted over closed flags) is the unpacker's (an ordered open list), both ways")
  func ranksAgree() {
    // Random frees among 64 to 400 live blocks, and among as many again kept open far below them
    // (ranks count from the newest, so those add to none, but they leave the window).
    var generator = SystemRandomNumberGenerator()
    for openBelow in [0, 1000, 5000] {
      let steps = 20_000
      var open = OpenAllocations(capacity: openBelow + steps)
      defer { open.deallocate() }
      var closed = ClosedAllocations()
      defer { closed.deallocate() }
      closed.reset(capacity: openBelow + steps)
      for _ in 0..<openBelow {
        let appended = open.append()
        #expect(appended)
        closed.append()
      }
      var live: [Int] = []
      for step in 0..<steps {
        if live.count < 64 || (live.count < 400 && Bool.random(using: &generator)) {
          live.append(open.count)
          let appended = open.append()
          #expect(appended)
          closed.append()
          continue
        }
        let freed = live.remove(at: Int.random(in: 0..<live.count, using: &generator))
        // A block the window left behind has no rank.
        guard freed >= open.count - OpenAllocations.window else {
          #expect(closed.rank(of: freed) == nil)
          continue
        }
        let expected = live.filter { $0 > freed }.count + 1
        #expect(closed.rank(of: freed) == expected, "step \(step), \(openBelow) open below")
        let allocation = open.allocation(ofRank: expected)
        #expect(allocation == freed, "step \(step), \(openBelow) open below")
        open.close(rank: expected)
        closed.close(freed)
        #expect(closed.rank(of: freed) == nil)
      }
    }
  }
}
