// Where a capture's bytes come from: the file itself, or the file decompressed on the fly.
import CZstd

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The capture's bytes, read front to back. Offsets are offsets in the *uncompressed* capture.
protocol CaptureSource: AnyObject {
  /// Copies bytes starting at `offset` into `space`; returns how many (0 at the end for now).
  /// Callers read in order: each `offset` is where the previous read ended, or an earlier one of
  /// the header's, which a compressed source serves from its start again.
  func read(into space: UnsafeMutableRawBufferPointer, at offset: Int) throws(CaptureError) -> Int
}

/// The four bytes that open a zstd frame (0xFD2FB528, little-endian).
let zstdMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

/// A plain capture file, read with `pread`, which also serves a file that is still growing.
final class PlainCaptureSource: CaptureSource {
  private let descriptor: Int32
  private let path: String

  init(descriptor: Int32, path: String) {
    self.descriptor = descriptor
    self.path = path
  }

  func read(into space: UnsafeMutableRawBufferPointer, at offset: Int) throws(CaptureError) -> Int {
    while true {
      let count = pread(descriptor, space.baseAddress, space.count, off_t(offset))
      if count >= 0 { return count }
      if errno != EINTR { throw .unreadable(file: path, reason: String(cString: strerror(errno))) }
    }
  }
}

/// A capture compressed with zstd once its program ended, decompressed as it is read.
final class CompressedCaptureSource: CaptureSource {
  private let descriptor: Int32
  private let path: String
  private let stream: OpaquePointer
  private var input: UnsafeMutableRawBufferPointer
  private var inputFilled = 0
  private var inputConsumed = 0
  private var compressedOffset = 0
  /// The uncompressed offset that the next decompressed byte has.
  private var position = 0
  /// Whether zstd's last call ended a frame: the stream is whole up to here.
  private var frameEnded = false

  init(descriptor: Int32, path: String) {
    self.descriptor = descriptor
    self.path = path
    stream = ZSTD_createDStream()
    input = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
    ZSTD_initDStream(stream)
  }

  deinit {
    ZSTD_freeDStream(stream)
    input.deallocate()
  }

  func read(into space: UnsafeMutableRawBufferPointer, at offset: Int) throws(CaptureError) -> Int {
    if offset < position { try restart() }
    // Skip forward to `offset` (only the header's bytes are ever read twice).
    if position < offset {
      let discard = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
      defer { discard.deallocate() }
      while position < offset {
        let wanted = min(discard.count, offset - position)
        if try decompress(into: UnsafeMutableRawBufferPointer(rebasing: discard[0..<wanted])) == 0 { return 0 }
      }
    }
    return try decompress(into: space)
  }

  /// Decompresses into `space` until it is full or the file ends; returns the bytes produced.
  private func decompress(into space: UnsafeMutableRawBufferPointer) throws(CaptureError) -> Int {
    var output = ZSTD_outBuffer(dst: space.baseAddress, size: space.count, pos: 0)
    while output.pos < output.size {
      if inputConsumed == inputFilled {
        let count = pread(descriptor, input.baseAddress, input.count, off_t(compressedOffset))
        if count < 0 {
          if errno == EINTR { continue }
          throw .unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        if count == 0 {
          // A frame cut short before it yielded a single byte: nothing to show, say why. A whole
          // frame of nothing (an empty capture compressed: the program stopped before the
          // tracker began) reads as the empty file it was.
          if position == 0 && output.pos == 0 && compressedOffset > 0 && !frameEnded {
            throw .unreadable(
              file: path,
              reason: "it is a compressed capture cut short after \(compressedOffset) bytes, "
                + "before any of it could be decompressed")
          }
          break
        }
        compressedOffset += count
        inputFilled = count
        inputConsumed = 0
      }
      var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: inputFilled, pos: inputConsumed)
      let result = ZSTD_decompressStream(stream, &output, &inBuffer)
      inputConsumed = inBuffer.pos
      frameEnded = result == 0
      if ZSTD_isError(result) != 0 {
        throw .unreadable(
          file: path,
          reason:
            "its compressed data is damaged after \(compressedOffset) bytes (\(String(cString: ZSTD_getErrorName(result))))"
        )
      }
    }
    position += output.pos
    return output.pos
  }

  private func restart() throws(CaptureError) {
    ZSTD_DCtx_reset(stream, ZSTD_reset_session_only)
    inputFilled = 0
    inputConsumed = 0
    compressedOffset = 0
    position = 0
    frameEnded = false
  }
}
