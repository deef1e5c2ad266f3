// Compresses a finished capture in place, as memray compresses its own on exit.
import CZstd

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Compresses finished captures with zstd. The tracker writes plain records (so a live reader can
/// tail them and a crash loses nothing); once the program has ended, `workshop run` compresses
/// the file, which the reader then decompresses as it reads.
public enum CaptureCompression {
  /// Replaces the plain capture at `path` by its zstd compression, atomically: the compressed
  /// bytes go to a temporary file beside it, which is renamed over the original only when whole.
  /// A capture that is already compressed is left as it is.
  ///
  /// - Parameter level: zstd's level; 3 (its default) compresses our records about 25-fold at
  ///   several hundred MB/s.
  /// - Returns: the compressed size in bytes.
  /// - Throws: ``CaptureError/unreadable(file:reason:)`` when the file cannot be read or the
  ///   compressed copy cannot be written; the original is then untouched.
  @discardableResult
  public static func compress(path: String, level: Int32 = 3) throws(CaptureError) -> Int {
    let input = open(path, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw .unreadable(file: path, reason: String(cString: strerror(errno))) }
    defer { close(input) }
    var magic = [UInt8](repeating: 0, count: zstdMagic.count)
    let magicCount = magic.withUnsafeMutableBytes { pread(input, $0.baseAddress, $0.count, 0) }
    if magicCount == magic.count && magic == zstdMagic { return fileSize(input) }

    let temporaryPath = path + ".compressing"
    let output = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard output >= 0 else { throw .unreadable(file: temporaryPath, reason: String(cString: strerror(errno))) }
    var finished = false
    defer {
      close(output)
      if !finished { unlink(temporaryPath) }
    }
    let context = ZSTD_createCCtx()
    defer { ZSTD_freeCCtx(context) }
    ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)

    let chunk = 4 << 20
    let plain = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    let packed = UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
    defer {
      plain.deallocate()
      packed.deallocate()
    }
    var written = 0
    while true {
      let count = read(input, plain.baseAddress, plain.count)
      if count < 0 {
        if errno == EINTR { continue }
        throw .unreadable(file: path, reason: String(cString: strerror(errno)))
      }
      let mode = count == 0 ? ZSTD_e_end : ZSTD_e_continue
      var source = ZSTD_inBuffer(src: plain.baseAddress, size: count, pos: 0)
      var remaining = 0
      repeat {
        var target = ZSTD_outBuffer(dst: packed.baseAddress, size: packed.count, pos: 0)
        remaining = ZSTD_compressStream2(context, &target, &source, mode)
        if ZSTD_isError(remaining) != 0 {
          throw .unreadable(file: path, reason: "zstd failed: \(String(cString: ZSTD_getErrorName(remaining)))")
        }
        try writeAll(output, UnsafeRawBufferPointer(rebasing: packed[0..<target.pos]), path: temporaryPath)
        written += target.pos
      } while (mode == ZSTD_e_end && remaining != 0) || source.pos < source.size
      if count == 0 { break }
    }
    guard fsync(output) == 0, rename(temporaryPath, path) == 0 else {
      throw .unreadable(file: temporaryPath, reason: String(cString: strerror(errno)))
    }
    finished = true
    return written
  }

  private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(CaptureError)
  {
    var offset = 0
    while offset < bytes.count {
      let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      if count < 0 {
        if errno == EINTR { continue }
        throw .unreadable(file: path, reason: String(cString: strerror(errno)))
      }
      offset += count
    }
  }

  private static func fileSize(_ descriptor: Int32) -> Int {
    var status = stat()
    return fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
  }
}
