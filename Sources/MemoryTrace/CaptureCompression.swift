// Compresses a capture in place (as it grows, or once finished), as memray compresses its own on exit.
import CZstd

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Compresses finished captures with zstd. The tracker writes plain records (so a live reader can
/// tail them and a crash loses nothing); `workshop run` compresses the file, as it grows
/// (``CaptureCompressor``) or once the program has ended (``compress(path:level:)``), and the
/// reader decompresses as it reads.
public enum CaptureCompression {
  /// zstd's level for a capture whose chunks mostly stay as they are: their repetitive records
  /// shrink 10-16 % more at level 5 than at 3 (sqlite 118 -> 99 KB, python 131 -> 125 KB, a Swift
  /// program 45 -> 42 KB).
  public static let repetitiveLevel: Int32 = 5
  /// zstd's level for a capture whose chunks are mostly packed and repeat (threads, trees; with
  /// long-distance matching, ``packedWindowLog``): level 5 would cost more than twice level 3's
  /// time for 1 % (measured on the random churn's 42 MB: 0.12 s at level 3, 0.29 s at 5).
  public static let packedLevel: Int32 = 3
  /// zstd's level for a capture whose chunks are mostly packed and do not repeat (the trials
  /// compressed them less than tenfold: ``CaptureRepacker/packedChunksRepeat``): random columns,
  /// which zstd codes mostly as literals. Level 3's longer searches find only short matches there,
  /// which cost more than the literals they replace: on the random churn's 30 MB of packed chunks
  /// level 2 made 13,017,199 bytes in 0.034 s where level 3 made 13,074,707 in 0.042 (level 1:
  /// 13,027,932 in 0.034; medians of 5, replaying the same zstd calls).
  public static let randomPackedLevel: Int32 = 2
  /// zstd's window for a capture whose chunks are mostly packed and repeat (the trials compressed
  /// them tenfold or more: ``CaptureRepacker/packedChunksRepeat``), searched by long-distance
  /// matching: such columns repeat from one chunk to the next (sequential addresses, a tree's
  /// FRAME chains, the same sizes in every thread) farther back than level 3's window reaches.
  /// Measured on session 6's captures (level 3 without and with it): `alloc_churn` 0.237 -> 0.073
  /// MB, 8 threads 0.239 -> 0.074 MB, the depth-20 tree 0.266 -> 0.098 MB, for 15-40 ms more; the
  /// random churn's columns (random sizes and ranks, compressed about 2.3-fold) gained nothing
  /// (13.27 -> 13.27 MB) for 41 ms, so they go without it.
  public static let packedWindowLog: Int32 = 24

  /// Replaces the plain capture at `path` by its zstd compression, atomically: the compressed
  /// bytes go to a temporary file beside it, which is renamed over the original only when whole.
  /// A capture that is already compressed is left as it is.
  ///
  /// - Parameter level: zstd's level; nil chooses it from the capture's first chunks (see
  ///   ``CaptureCompression/repetitiveLevel``).
  /// - Returns: the compressed size in bytes.
  /// - Throws: ``CaptureError/unreadable(file:reason:)`` when the file cannot be read or the
  ///   compressed copy cannot be written; the original is then untouched.
  @discardableResult
  public static func compress(path: String, level: Int32? = nil) throws(CaptureError) -> Int {
    let input = open(path, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw .unreadable(file: path, reason: String(cString: strerror(errno))) }
    defer { close(input) }
    var magic = [UInt8](repeating: 0, count: zstdMagic.count)
    let magicCount = magic.withUnsafeMutableBytes { pread(input, $0.baseAddress, $0.count, 0) }
    if magicCount == magic.count && magic == zstdMagic {
      var status = stat()
      return fstat(input, &status) == 0 ? Int(status.st_size) : 0
    }
    return try CaptureCompressor(path: path, level: level).finish()
  }
}

/// Compresses a plain capture while its tracker is still appending to it, so that once the program
/// ends only the tail is left to do.
///
/// The compressed stream goes to `PATH.compressing`; ``finish()`` compresses the rest and renames
/// it over `PATH` (or ``complete()`` and ``install()``, its two steps). Dropping the compressor
/// before then removes the temporary file and leaves the capture as it was. The tracker only ever
/// appends (it cuts a partly written buffer only when the disk refuses it, and then records the
/// loss), so bytes compressed early stay valid.
public final class CaptureCompressor {
  /// The capture being compressed.
  public let path: String
  /// The temporary file receiving the compressed stream.
  public var temporaryPath: String { path + ".compressing" }
  /// Plain bytes compressed so far.
  public private(set) var plainByteCount = 0
  /// Compressed bytes made so far: those written and those still gathered for the next write
  /// (under 512 KiB).
  public private(set) var compressedByteCount = 0

  private let input: Int32
  private let output: Int32
  private let context: OpaquePointer
  private let plain: UnsafeMutableRawBufferPointer
  /// zstd's output, written out when it nears full (``outputSlack``) and when the stream ends: a
  /// `write` per zstd call was a system call for every few hundred bytes of a packed capture
  /// (3,127 writes for 8 threads' 0.9 MB; 14 now).
  private let packed: UnsafeMutableRawBufferPointer
  /// Bytes at the start of `packed` not written yet.
  private var outputCount = 0
  /// The room below which `packed` is written out before zstd is called again.
  private static let outputSlack = 64 << 10
  /// Whether ``complete()`` has closed the stream; ``finished``: whether it is in place.
  private var completed = false
  private var finished = false
  /// Version 3 captures become version 5 on the way: their chunks packed where that pays.
  private let repacker = CaptureRepacker()
  /// zstd's level, once chosen; until then the repacked bytes wait in `staged`.
  private var levelChosen = false
  private var staged: [UInt8] = []
  /// Where zstd blocks end in `staged`.
  private var stagedBlockEnds: [Int] = []
  /// Chunk bytes seen before the level is chosen by the share of them packed (a program's first
  /// records, its start-up, are not yet like the rest).
  private static let bytesBeforeLevel = 2 << 20

  /// Opens the capture and creates the temporary file; nothing is compressed yet.
  ///
  /// - Throws: ``CaptureError/unreadable(file:reason:)`` naming the file that cannot be opened.
  public init(path: String, level: Int32? = nil, chunkSize: Int = 4 << 20) throws(CaptureError) {
    self.path = path
    input = open(path, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw .unreadable(file: path, reason: String(cString: strerror(errno))) }
    // A fresh file of our own: whatever is at the temporary path (a crashed run's leftover, or a
    // symbolic link planted there) is removed, never written through; O_EXCL and O_NOFOLLOW make
    // sure of it if something reappears in between.
    unlink(path + ".compressing")
    output = open(path + ".compressing", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard output >= 0 else {
      let reason = String(cString: strerror(errno))
      close(input)
      throw .unreadable(file: path + ".compressing", reason: reason)
    }
    context = ZSTD_createCCtx()
    plain = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 4096), alignment: 16)
    packed = UnsafeMutableRawBufferPointer.allocate(
      byteCount: max(ZSTD_CStreamOutSize(), 512 << 10), alignment: 16)
    if let level { choose(level) }
  }

  deinit {
    close(input)
    close(output)
    if !finished { unlink(temporaryPath) }
    ZSTD_freeCCtx(context)
    plain.deallocate()
    packed.deallocate()
  }

  /// Compresses what the tracker has appended since the last call.
  ///
  /// - Returns: the number of plain bytes taken in.
  @discardableResult
  public func compressAppended() throws(CaptureError) -> Int {
    var taken = 0
    while true {
      let count = pread(input, plain.baseAddress, plain.count, off_t(plainByteCount))
      if count < 0 {
        if errno == EINTR { continue }
        throw .unreadable(file: path, reason: String(cString: strerror(errno)))
      }
      if count == 0 { return taken }
      try repacker.take(
        UnsafeRawBufferPointer(rebasing: plain[0..<count]),
        emit: { (bytes) throws(CaptureError) in try compress(bytes) },
        endBlock: { () throws(CaptureError) in try endBlock() })
      plainByteCount += count
      taken += count
    }
  }

  /// Compresses the rest, closes the stream, and renames the compressed file over the capture:
  /// ``complete()`` then ``install()``.
  ///
  /// - Returns: the compressed size in bytes.
  /// - Throws: ``CaptureError/unreadable(file:reason:)`` when a file cannot be read or written,
  ///   or when the capture is now shorter than what was compressed (its writer cut it back).
  @discardableResult
  public func finish() throws(CaptureError) -> Int {
    let size = try complete()
    try install()
    return size
  }

  /// Compresses the rest of the finished capture, closes the stream and makes the temporary file
  /// durable (`fsync`), without putting it in place yet: the slow part of ``finish()`` (the disk's
  /// flush took 1-16 ms of a random churn's run here, once 0.6 s), which `workshop run` does while
  /// its analysis reads the capture's tail; only ``install()`` waits for that analysis to trust it.
  /// Call once, after the capture's writer has ended.
  ///
  /// - Returns: the compressed size in bytes.
  /// - Throws: as ``finish()``.
  @discardableResult
  public func complete() throws(CaptureError) -> Int {
    try compressAppended()
    var status = stat()
    guard fstat(input, &status) == 0, Int(status.st_size) == plainByteCount else {
      throw .unreadable(file: path, reason: "it was cut back after \(plainByteCount) bytes had been compressed")
    }
    try repacker.finish { (bytes) throws(CaptureError) in try compress(bytes) }
    if !levelChosen { try chooseLevelAndFeedStaged(whole: true) }
    try feed(UnsafeRawBufferPointer(start: nil, count: 0), mode: ZSTD_e_end)
    guard fsync(output) == 0 else {
      throw .unreadable(file: temporaryPath, reason: String(cString: strerror(errno)))
    }
    completed = true
    return compressedByteCount
  }

  /// Renames the stream ``complete()`` closed over the capture. Dropping the compressor without
  /// it removes the temporary file and leaves the capture as it was.
  ///
  /// - Throws: ``CaptureError/unreadable(file:reason:)`` when the file cannot be renamed.
  public func install() throws(CaptureError) {
    precondition(completed && !finished, "install() follows complete(), once")
    guard rename(temporaryPath, path) == 0 else {
      throw .unreadable(file: temporaryPath, reason: String(cString: strerror(errno)))
    }
    finished = true
  }

  private func choose(_ level: Int32) {
    ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
    levelChosen = true
  }

  /// Repacked bytes into zstd, or into `staged` while the level is not chosen.
  private func compress(_ bytes: UnsafeRawBufferPointer) throws(CaptureError) {
    if levelChosen {
      try feed(bytes, mode: ZSTD_e_continue)
      return
    }
    staged.append(contentsOf: bytes)
    if repacker.chunkByteCount >= Self.bytesBeforeLevel { try chooseLevelAndFeedStaged() }
  }

  /// Ends zstd's block: the bytes that follow get a Huffman table of their own.
  private func endBlock() throws(CaptureError) {
    if levelChosen {
      try feed(UnsafeRawBufferPointer(start: nil, count: 0), mode: ZSTD_e_flush)
    } else {
      stagedBlockEnds.append(staged.count)
    }
  }

  /// Packed chunks compress fast at a low level; records left as they are gain from a higher one.
  /// `whole`: the staged bytes are all there is (a capture under 2 MiB of chunks, at its end).
  private func chooseLevelAndFeedStaged(whole: Bool = false) throws(CaptureError) {
    let mostlyPacked = repacker.packedByteCount * 2 > repacker.chunkByteCount
    if !mostlyPacked {
      choose(CaptureCompression.repetitiveLevel)
    } else {
      // A capture compressed whole (under 2 MiB of chunks) keeps level 3: its few trials say little
      // about its columns, and level 2 made a Swift program's 17,433 bytes 18,899.
      let random = !whole && !repacker.packedChunksRepeat
      choose(random ? CaptureCompression.randomPackedLevel : CaptureCompression.packedLevel)
    }
    if whole {
      // zstd then sizes its tables for the input, not for the level's largest (nor a long-distance
      // window: the level's own covers the input): a short program's capture spares clearing
      // tables it never uses.
      ZSTD_CCtx_setPledgedSrcSize(context, UInt64(staged.count))
    } else if mostlyPacked && repacker.packedChunksRepeat {
      ZSTD_CCtx_setParameter(context, ZSTD_c_enableLongDistanceMatching, 1)
      ZSTD_CCtx_setParameter(context, ZSTD_c_windowLog, CaptureCompression.packedWindowLog)
    }
    let bytes = staged
    let blockEnds = stagedBlockEnds
    staged = []
    stagedBlockEnds = []
    do {
      try bytes.withUnsafeBytes { all in
        var start = 0
        for end in blockEnds + [all.count] {
          try feed(UnsafeRawBufferPointer(rebasing: all[start..<end]), mode: ZSTD_e_continue)
          if end < all.count { try endBlock() }
          start = end
        }
      }
    } catch let error as CaptureError {
      throw error
    } catch {
      preconditionFailure("feed throws only CaptureError")
    }
  }

  private func feed(_ bytes: UnsafeRawBufferPointer, mode: ZSTD_EndDirective) throws(CaptureError) {
    var source = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
    var remaining = 0
    repeat {
      if packed.count - outputCount < Self.outputSlack { try writeOutput() }
      var target = ZSTD_outBuffer(dst: packed.baseAddress! + outputCount, size: packed.count - outputCount, pos: 0)
      remaining = ZSTD_compressStream2(context, &target, &source, mode)
      if ZSTD_isError(remaining) != 0 {
        throw .unreadable(file: path, reason: "zstd failed: \(String(cString: ZSTD_getErrorName(remaining)))")
      }
      outputCount += target.pos
      compressedByteCount += target.pos
    } while ((mode == ZSTD_e_end || mode == ZSTD_e_flush) && remaining != 0) || source.pos < source.size
    if mode == ZSTD_e_end { try writeOutput() }
  }

  /// Writes out what zstd left in `packed`.
  private func writeOutput() throws(CaptureError) {
    try writeAll(UnsafeRawBufferPointer(rebasing: packed[0..<outputCount]))
    outputCount = 0
  }

  private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(CaptureError) {
    var offset = 0
    while offset < bytes.count {
      let count = write(output, bytes.baseAddress! + offset, bytes.count - offset)
      if count < 0 {
        if errno == EINTR { continue }
        throw .unreadable(file: temporaryPath, reason: String(cString: strerror(errno)))
      }
      offset += count
    }
  }
}
