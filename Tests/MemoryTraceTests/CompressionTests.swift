import Foundation
import MemoryTrace
import Testing

/// Captures compressed once their program ended read exactly like the plain ones.
@Suite("Compressed captures")
struct CompressionTests {
  @Test("a compressed capture decodes to the same events as the plain one")
  func roundTrip() throws {
    let scratch = ScratchDirectory()
    let (bytes, expected) = RoundTripTests.everyRecord()
    let path = scratch.write(bytes, to: "every.bin")
    let compressedSize = try CaptureCompression.compress(path: path)
    let onDisk = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(onDisk.count == compressedSize)
    #expect(Array(onDisk.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD], "a zstd frame")
    let reader = try CaptureReader(path: path)
    #expect(reader.isCompressed)
    let (events, progress) = try reader.readEvents()
    #expect(events == expected)
    #expect(progress.warning == nil)
  }

  @Test("a large capture shrinks and reads back whole, across many chunks")
  func largeCapture() throws {
    let scratch = ScratchDirectory()
    var writer = CaptureWriter()
    writer.thread(1)
    let stack = writer.stack([0x5500_0000_1000, 0x5500_0000_2000])
    for index in 0..<200_000 {
      writer.alloc(address: 0x1000_0000 + UInt64(index % 64) * 4096, size: UInt64(16 + index % 4000), stack: stack)
      writer.free(address: 0x1000_0000 + UInt64(index % 64) * 4096)
    }
    writer.end(microseconds: 5)
    let path = scratch.write(writer.bytes, to: "large.bin")
    let size = try CaptureCompression.compress(path: path)
    #expect(size * 10 < writer.bytes.count)
    var collector = CaptureEventCollector()
    let progress = try CaptureReader(path: path, chunkSize: 4096).read(into: &collector)
    #expect(progress.sawEnd)
    #expect(progress.byteCount == writer.bytes.count, "offsets count uncompressed bytes")
    #expect(collector.events.filter { if case .alloc = $0 { true } else { false } }.count == 200_000)
  }

  @Test("compressing twice leaves the capture as it is")
  func idempotent() throws {
    let scratch = ScratchDirectory()
    let path = scratch.write(RoundTripTests.everyRecord().bytes, to: "twice.bin")
    let first = try CaptureCompression.compress(path: path)
    let second = try CaptureCompression.compress(path: path)
    #expect(first == second)
    #expect(try CaptureReader(path: path).readEvents().events == RoundTripTests.everyRecord().events)
  }

  @Test("damaged compressed data is one sentence that names the file")
  func damaged() throws {
    let scratch = ScratchDirectory()
    let path = scratch.write(RoundTripTests.everyRecord().bytes, to: "damaged.bin")
    try CaptureCompression.compress(path: path)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    for index in 8..<bytes.count { bytes[index] ^= 0x5A }
    try bytes.write(to: URL(fileURLWithPath: path))
    #expect {
      _ = try CaptureReader(path: path).readEvents()
    } throws: { error in
      "\(error)".contains("damaged.bin") && "\(error)".contains("compressed data is damaged")
    }
  }

  @Test("a capture compressed while it grows, cut at odd places, reads back whole")
  func compressedWhileGrowing() throws {
    let scratch = ScratchDirectory()
    let (bytes, expected) = RoundTripTests.everyRecord()
    let path = scratch.write([], to: "growing.bin")
    let compressor = try CaptureCompressor(path: path, chunkSize: 16)
    let appender = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    var offset = 0
    for cut in [1, 7, 40, 41, bytes.count] where cut > offset {
      try appender.write(contentsOf: Data(bytes[offset..<min(cut, bytes.count)]))
      offset = min(cut, bytes.count)
      #expect(try compressor.compressAppended() >= 0)
      #expect(compressor.plainByteCount == offset)
      #expect(FileManager.default.fileExists(atPath: compressor.temporaryPath))
    }
    try appender.close()
    let size = try compressor.finish()
    #expect(!FileManager.default.fileExists(atPath: compressor.temporaryPath))
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == size)
    let reader = try CaptureReader(path: path)
    #expect(reader.isCompressed)
    #expect(try reader.readEvents().events == expected)
  }

  @Test(
    "a compressor dropped before it finishes leaves the plain capture and no temporary file",
    arguments: [false, true])
  func abandonedCompressor(streamCompleted: Bool) throws {
    let scratch = ScratchDirectory()
    let (bytes, expected) = RoundTripTests.everyRecord()
    let path = scratch.write(bytes, to: "abandoned.bin")
    var temporaryPath = ""
    do {
      let compressor = try CaptureCompressor(path: path)
      if streamCompleted { try compressor.complete() } else { try compressor.compressAppended() }
      temporaryPath = compressor.temporaryPath
    }
    #expect(!FileManager.default.fileExists(atPath: temporaryPath))
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
    #expect(try CaptureReader(path: path).readEvents().events == expected)
  }

  @Test("an empty capture compressed (its program stopped before the tracker began) reads as empty, not as cut short")
  func emptyCaptureCompressed() throws {
    let scratch = ScratchDirectory()
    let path = scratch.write([], to: "empty.bin")
    try CaptureCompressor(path: path).finish()
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count > 0, "a zstd frame of nothing")
    #expect(throws: CaptureError.empty(file: path)) { try CaptureReader(path: path).readEvents() }
  }

  @Test("a completed stream stays aside until it is installed")
  func completeThenInstall() throws {
    let scratch = ScratchDirectory()
    let (bytes, expected) = RoundTripTests.everyRecord()
    let kept = scratch.write(bytes, to: "kept.bin")
    let compressor = try CaptureCompressor(path: kept)
    let size = try compressor.complete()
    #expect(try Data(contentsOf: URL(fileURLWithPath: kept)) == Data(bytes), "the plain capture until install()")
    #expect(try Data(contentsOf: URL(fileURLWithPath: compressor.temporaryPath)).count == size)
    try compressor.install()
    #expect(!FileManager.default.fileExists(atPath: compressor.temporaryPath))
    #expect(try Data(contentsOf: URL(fileURLWithPath: kept)).count == size)
    #expect(try CaptureReader(path: kept).readEvents().events == expected)
  }

  @Test("a capture cut back after part of it was compressed is refused, and stays as it is")
  func cutBack() throws {
    let scratch = ScratchDirectory()
    let (bytes, _) = RoundTripTests.everyRecord()
    let path = scratch.write(bytes, to: "cut.bin")
    let compressor = try CaptureCompressor(path: path)
    try compressor.compressAppended()
    #expect(truncate(path, off_t(bytes.count / 2)) == 0)
    #expect {
      try compressor.finish()
    } throws: { error in
      "\(error)".contains("cut.bin") && "\(error)".contains("cut back after \(bytes.count) bytes")
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes.prefix(bytes.count / 2)))
  }
}
