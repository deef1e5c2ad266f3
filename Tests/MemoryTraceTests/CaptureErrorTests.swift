import Foundation
import MemoryTrace
import Testing
import WorkshopTestSupport

/// A named bad input, the file name to give it, and the sentence it must produce (`%` stands for the path).
struct BadCapture: CustomTestStringConvertible, Sendable {
  var name: String
  var file = "capture.bin"
  var bytes: [UInt8]
  var message: String
  var testDescription: String { name }
}

/// Capture bytes: a valid header, a THREAD record (2 bytes, ending at byte 50), then `records`.
private func capture(_ records: [UInt8]) -> [UInt8] {
  var writer = CaptureWriter()
  writer.thread(7)
  return writer.bytes + records
}

@Suite("Bad inputs give one clear sentence")
struct CaptureErrorTests {
  static let fatal: [BadCapture] = [
    BadCapture(
      name: "empty", bytes: [],
      message: "% is empty: the tracker wrote nothing, so the program may have stopped before it started"),
    BadCapture(
      name: "foreign", file: "notes.txt", bytes: Array("hello world, this is text\n".utf8),
      message: "% is not a workshop capture: it starts with \"hello wo\""),
    BadCapture(
      name: "binary foreign", bytes: [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x22, 0x00, 0x00],
      message: "% is not a workshop capture: it starts with \"\\x7fELF\\x02\\x01\\\"\\x00\""),
    BadCapture(
      name: "short foreign", bytes: Array("WSX".utf8),
      message: "% is not a workshop capture: it starts with \"WSX\""),
    BadCapture(
      name: "wrong version",
      bytes: CaptureWriter(header: CaptureHeader(version: CaptureFormat.readableVersions.upperBound + 1)).bytes,
      message: "% is a workshop capture of format version 8: this reader understands versions 1 to 7"),
    BadCapture(
      name: "small header size", bytes: CaptureWriter(header: CaptureHeader(headerSize: 40)).bytes,
      message: "% declares a 40-byte header: a version 5 header has 48 bytes"),
    BadCapture(
      name: "truncated header", bytes: Array(CaptureWriter().bytes.prefix(20)),
      message: "% is truncated inside its header after 20 bytes: it holds no events"),
    BadCapture(
      name: "unknown record", bytes: capture([0x4f, 0x01]),
      message: "% has an unknown record 0x4f at byte 50: the file is damaged after that point"),
    BadCapture(
      name: "zero tag", bytes: capture([0x08, 0x00, 0x00]),
      message: "% has an unknown record 0x00 at byte 52: the file is damaged after that point"),
    BadCapture(
      name: "unknown alloc kind", bytes: capture([0x19, 0x02, 0x08, 0x00]),
      message: "% has an unknown record 0x19 at byte 50: the file is damaged after that point"),
    BadCapture(
      name: "unknown free kind", bytes: capture([0x22, 0x02]),
      message: "% has an unknown record 0x22 at byte 50: the file is damaged after that point"),
    BadCapture(
      name: "varint of 11 bytes", bytes: capture([0x10, 0x02] + [UInt8](repeating: 0xff, count: 10) + [0x01, 0x00]),
      message: "% has a number longer than 64 bits at byte 50: the file is damaged after that point"),
    BadCapture(
      name: "varint over 64 bits in its 10th byte",
      bytes: capture([0x04] + [UInt8](repeating: 0xff, count: 9) + [0x02, 0, 0]),
      message: "% has a number longer than 64 bits at byte 50: the file is damaged after that point"),
    BadCapture(
      name: "unknown stack node", bytes: capture([0x10, 0x02, 0x08, 0x05]),
      message:
        "% has an alloc record naming stack node 5, which no frame record defined, at byte 50: the file is damaged after that point"
    ),
    BadCapture(
      name: "unknown parent frame", bytes: capture([0x02, 0x00, 0x02, 0x02, 0x03, 0x02]),
      message:
        "% has frame 2 naming parent 3, which no earlier frame record defined, at byte 53: the file is damaged after that point"
    ),
    BadCapture(
      name: "huge string", bytes: capture([0x06, 0x80, 0x80, 0x80, 0x80, 0x10, 0x41]),
      message: "% has a string of 4294967296 bytes at byte 50: the file is damaged after that point"),
    BadCapture(
      name: "huge module count", bytes: capture([0x05, 0xff, 0xff, 0xff, 0xff, 0x0f]),
      message: "% has a modules record with 4294967295 entries at byte 50: the file is damaged after that point"),
    BadCapture(
      name: "header size past the end of the file",
      bytes: CaptureWriter(header: CaptureHeader(headerSize: 65_535)).bytes + [UInt8](repeating: 0x03, count: 11_652),
      message: "% holds 11.7 kB, but it declares a 65535-byte header, longer than the file: its header is damaged"),
    BadCapture(
      name: "size near 2^64",
      bytes: capture([0x10, 0x02, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]),
      message:
        "% has an alloc record of 18446744073709551608 bytes, more than a process can address, at byte 50: the file is damaged after that point"
    ),
  ]

  @Test("fatal inputs throw their sentence", arguments: fatal)
  func fatalInputs(bad: BadCapture) throws {
    let scratch = ScratchDirectory()
    let path = scratch.write(bad.bytes, to: bad.file)
    let reader = try CaptureReader(path: path)
    var collector = CaptureEventCollector()
    let error = #expect(throws: CaptureError.self) { try reader.read(into: &collector) }
    #expect(error?.description == bad.message.replacingOccurrences(of: "%", with: path))
    #expect(error?.isWarning == false)
  }

  @Test("records before the damage are delivered")
  func recordsBeforeDamage() throws {
    var writer = CaptureWriter()
    writer.thread(7)
    writer.alloc(address: 64, size: 8)
    writer.bytes += [0xff]
    let scratch = ScratchDirectory()
    let path = scratch.write(writer.bytes, to: "capture.bin")
    let reader = try CaptureReader(path: path)
    var collector = CaptureEventCollector()
    #expect(throws: CaptureError.damaged(file: path, offset: 55, damage: .unknownRecord(tag: 0xff))) {
      try reader.read(into: &collector)
    }
    #expect(collector.events.count == 3)
  }

  @Test("a missing file cannot be read")
  func missingFile() {
    let error = #expect(throws: CaptureError.self) { try CaptureReader(path: "/nonexistent/capture.bin") }
    #expect(error?.description == "/nonexistent/capture.bin cannot be read: no such file or directory")
  }

  @Test("a finished capture without END is truncated: a warning, not an error")
  func missingEnd() throws {
    var writer = CaptureWriter()
    writer.thread(7)
    writer.tick(microseconds: 3_400_000)
    writer.alloc(address: 64, size: 8)
    let scratch = ScratchDirectory()
    let path = scratch.write(writer.bytes, to: "capture.bin")
    let (events, progress) = try CaptureReader(path: path).readEvents()
    #expect(events.count == 4)
    #expect(progress.warning?.isWarning == true)
    #expect(progress.warning?.description == "\(path) is truncated after 62 bytes: showing the first 3.4 s")
  }

  @Test("a finished capture ending inside a record is truncated after its last whole record")
  func partialRecord() throws {
    var writer = CaptureWriter()
    writer.thread(7)
    writer.tick(microseconds: 340_000)
    let whole = writer.bytes.count
    writer.alloc(address: 0x1234_5678, size: 80_000)
    let scratch = ScratchDirectory()
    let path = scratch.write(Array(writer.bytes.dropLast(2)), to: "capture.bin")
    let (events, progress) = try CaptureReader(path: path).readEvents()
    #expect(events.count == 3)
    #expect(progress.byteCount == whole)
    #expect(progress.warning?.description == "\(path) is truncated after \(whole) bytes: showing the first 340 ms")
  }

  @Test("sizes in the truncation sentence use decimal units")
  func megabytes() throws {
    var writer = CaptureWriter()
    writer.thread(7)
    var address: UInt64 = 0
    while writer.bytes.count < 1_200_000 {
      address += 1 << 40
      writer.alloc(address: address, size: 1 << 30)
    }
    writer.tick(microseconds: 61_000_000)
    let scratch = ScratchDirectory()
    let path = scratch.write(writer.bytes, to: "capture.bin")
    let (_, progress) = try CaptureReader(path: path).readEvents()
    #expect(progress.warning?.description == "\(path) is truncated after 1.2 MB: showing the first 61.0 s")
  }

  @Test("arbitrary bytes after a header never crash the reader", arguments: 0..<8)
  func fuzz(seed: Int) throws {
    var random = SplitMix(seed: UInt64(seed))
    let scratch = ScratchDirectory()
    for round in 0..<200 {
      let count = Int(random.next() % 64)
      var tail: [UInt8] = []
      for _ in 0..<count {
        // Mostly valid tags and small values, sometimes anything.
        let pick = random.next()
        tail.append(
          pick % 3 == 0
            ? [0x02, 0x03, 0x04, 0x06, 0x10, 0x20, 0x08, 0x05][Int(pick >> 8) % 8]
            : UInt8(truncatingIfNeeded: pick >> 16))
      }
      let path = scratch.write(CaptureWriter().bytes + tail, to: "fuzz-\(round).bin")
      let reader = try CaptureReader(path: path, chunkSize: 64)
      var collector = CaptureEventCollector()
      do {
        let progress = try reader.read(into: &collector)
        #expect(progress.byteCount <= CaptureFormat.headerSize + count)
      } catch {
        #expect(error.description.hasPrefix(path + " has "))
      }
      for event in collector.events {
        if case .alloc(let alloc) = event { _ = reader.stack(alloc.stack) }
      }
    }
  }

  @Test("flipping any byte of a valid capture never crashes the reader")
  func flips() throws {
    let (bytes, _) = RoundTripTests.everyRecord()
    let scratch = ScratchDirectory()
    for index in CaptureFormat.headerSize..<bytes.count {
      for flip: UInt8 in [0x01, 0x80, 0xff] {
        var damaged = bytes
        damaged[index] ^= flip
        let reader = try CaptureReader(path: scratch.write(damaged, to: "flip.bin"))
        var collector = CaptureEventCollector()
        _ = try? reader.read(into: &collector)
      }
    }
  }
}
