#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How far a call to ``CaptureReader/read(into:fileMayGrow:)`` got.
public struct ReadProgress: Sendable, Equatable {
  /// Bytes of the file consumed, through the end of the last complete record.
  public var byteCount: Int
  /// Records decoded since the reader was created (the header not counted).
  public var recordCount: Int
  /// Whether the END record was read: the program exited normally and the capture is whole.
  public var sawEnd: Bool
  /// ``CaptureError/truncated(file:byteCount:microseconds:)`` when a finished file was cut short.
  public var warning: CaptureError?

  /// Creates a progress report.
  public init(byteCount: Int, recordCount: Int, sawEnd: Bool, warning: CaptureError? = nil) {
    self.byteCount = byteCount
    self.recordCount = recordCount
    self.sawEnd = sawEnd
    self.warning = warning
  }
}

/// Reads a capture file incrementally, delivering its records to a ``CaptureVisitor``.
///
/// Each call to ``read(into:fileMayGrow:)`` continues after the last complete record of the
/// previous call, so the same reader serves a finished file (one call) and a file the tracker is
/// still writing (a call every time the caller wants to catch up). The file is read in large
/// chunks (``chunkSize``) and decoded in place; nothing is allocated per record except for the
/// rare records that carry strings.
///
/// ```swift
/// let reader = try CaptureReader(path: "capture.bin")
/// var collector = CaptureEventCollector()
/// let progress = try reader.read(into: &collector)
/// if let warning = progress.warning { print("warning: \(warning)") }
/// ```
public final class CaptureReader {
  /// The path as given, used to name the file in errors.
  public let path: String
  /// Bytes read from the file at a time.
  public let chunkSize: Int
  /// The header, once it has been read.
  public private(set) var header: CaptureHeader?

  private let descriptor: Int32
  private let source: CaptureSource
  /// Whether the file is compressed (zstd), as `workshop run` leaves a capture once its program
  /// has ended. A compressed capture is always a finished one.
  public let isCompressed: Bool
  var buffer: ChunkBuffer
  var decoder = RecordDecoder()
  private var headerSize = 0
  private var recordCount = 0
  /// The file's size when the current read began (nil for a compressed file, which is finished).
  private var readLimit: Int?

  /// Whether the readers made while it is set deliver clock-keyed records in runs (a stream at
  /// the top of the merge delivers its next records without going back through the heap while
  /// each would come next anyway). The tests' way to the one-record path, to read a capture both
  /// ways and compare: nothing else turns runs off. Task-local, so that a test which turns them
  /// off changes no other test's readers: `CaptureReader.$clockKeyedRuns.withValue(false) { ... }`.
  @TaskLocal package static var clockKeyedRuns = true

  /// Opens `path` for reading. Nothing is read until ``read(into:fileMayGrow:)``.
  ///
  /// - Throws: ``CaptureError/unreadable(file:reason:)`` if the file cannot be opened.
  public init(path: String, chunkSize: Int = 8 << 20) throws(CaptureError) {
    self.path = path
    self.chunkSize = max(chunkSize, 64)
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw .unreadable(file: path, reason: String(cString: strerror(errno)))
    }
    self.descriptor = descriptor
    self.buffer = ChunkBuffer(capacity: self.chunkSize)
    var magic = [UInt8](repeating: 0, count: zstdMagic.count)
    let count = magic.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
    isCompressed = count == magic.count && magic == zstdMagic
    source =
      isCompressed
      ? CompressedCaptureSource(descriptor: descriptor, path: path)
      : PlainCaptureSource(descriptor: descriptor, path: path)
  }

  deinit {
    close(descriptor)
    buffer.deallocate()
  }

  /// The command line of the program that was run (the first COMMAND record), once it has been read.
  public var command: CaptureCommand? { decoder.command }
  /// The modules table currently in force.
  public var modules: ModuleTable { decoder.modules }
  /// Every stack node read so far.
  public var frames: FrameTable { decoder.frames }
  /// The time of the last TICK or END record read, in microseconds since start.
  public var lastTimestamp: UInt64 { decoder.lastTimestamp }
  /// Whether the END record has been read.
  public var sawEnd: Bool { decoder.sawEnd }

  /// The stack named by `node`, innermost frame first (empty for 0 or an unknown node).
  ///
  /// - Complexity: O(*d*) for a stack *d* frames deep.
  public func stack(_ node: UInt32) -> [StackFrame] { decoder.frames.stack(node) }

  /// Reads every complete record not yet read and hands each to `visitor`, in file order.
  ///
  /// - Parameters:
  ///   - visitor: receives the header (on the first call that reads it) and the records.
  ///   - fileMayGrow: `true` while the tracker may still be writing: a partial record (or header)
  ///     at the end is left for the next call. `false` for a finished file: a partial record or a
  ///     missing END record yields a ``ReadProgress/warning``.
  /// - Returns: how far the reading got.
  /// - Throws: a ``CaptureError`` for a file that is not a readable capture, or that is damaged.
  ///   In the damaged case every record before the damage has already been delivered.
  /// - Complexity: O(*n*) for *n* new bytes.
  @discardableResult
  public func read<Visitor: CaptureVisitor>(
    into visitor: inout Visitor, fileMayGrow: Bool = false
  ) throws(CaptureError) -> ReadProgress {
    visitor.beginRecords()
    defer { visitor.endRecords() }
    if header == nil {
      guard let header = try readHeader(fileMayGrow: fileMayGrow) else {
        return ReadProgress(byteCount: 0, recordCount: 0, sawEnd: false, warning: nil)
      }
      self.header = header
      decoder.sequenced = header.version >= CaptureFormat.firstSequencedVersion
      decoder.clockKeysAllowed = header.version >= CaptureFormat.clockVersion
      headerSize = Int(header.headerSize)
      buffer.fileOffset = headerSize
      visitor.visit(header)
    }
    readLimit = isCompressed ? nil : fileSize()
    while true {
      let count = try fill()
      do {
        recordCount += try decoder.decode(&buffer, into: &visitor)
      } catch {
        throw .damaged(file: path, offset: error.offset, damage: error.damage)
      }
      if count == 0 { break }
    }
    if !fileMayGrow {
      // Version 3: what was held back waiting for records that never came (a run cut short).
      do {
        try decoder.finish(into: &visitor)
        recordCount += decoder.heldRecordCount
        decoder.heldRecordCount = 0
      } catch {
        throw .damaged(file: path, offset: error.offset, damage: error.damage)
      }
    }
    var progress = ReadProgress(
      byteCount: buffer.fileOffset, recordCount: recordCount, sawEnd: decoder.sawEnd, warning: nil)
    if !fileMayGrow && (!decoder.sawEnd || buffer.filled > 0) {
      if let writer = isCompressed ? nil : writingProcess() {
        progress.warning = .stillBeingWritten(
          file: path, pid: writer, byteCount: buffer.fileOffset, microseconds: decoder.lastTimestamp)
      } else {
        progress.warning = .truncated(file: path, byteCount: buffer.fileOffset, microseconds: decoder.lastTimestamp)
      }
    }
    return progress
  }

  /// Reads the whole (finished) file and returns its records as values.
  ///
  /// Meant for tests and small captures: a real capture should be read with a visitor.
  public func readEvents() throws(CaptureError) -> (events: [CaptureEvent], progress: ReadProgress) {
    var collector = CaptureEventCollector()
    let progress = try read(into: &collector)
    return (collector.events, progress)
  }

  /// Reads more of the file into the buffer; returns the number of bytes read (0 at end of file).
  private func fill() throws(CaptureError) -> Int {
    if buffer.filled == buffer.capacity {
      // One record larger than the buffer: make room for it, up to the longest record there is.
      guard buffer.capacity < CaptureFormat.maximumRecordBytes else {
        throw .damaged(file: path, offset: buffer.fileOffset, damage: .oversizedRecord(byteCount: buffer.capacity))
      }
      buffer.grow(to: min(buffer.capacity * 2, CaptureFormat.maximumRecordBytes))
    }
    let offset = buffer.fileOffset + buffer.filled
    // Only what the file held when this read began: a file growing as fast as it is read would
    // otherwise keep the reader until its program ends.
    let wanted = readLimit.map { max(0, $0 - offset) } ?? Int.max
    guard wanted > 0 else { return 0 }
    let count = try buffer.withFreeSpace { (space) throws(CaptureError) -> Int in
      try source.read(into: UnsafeMutableRawBufferPointer(rebasing: space.prefix(wanted)), at: offset)
    }
    buffer.filled += count
    return count
  }

  private func fileSize() -> Int? {
    var status = stat()
    return fstat(descriptor, &status) == 0 ? Int(status.st_size) : nil
  }

  /// The process that still has this file open for writing: the one the header names (the
  /// tracker's own descriptor), if it is alive and one of its descriptors is this file.
  private func writingProcess() -> Int32? {
    guard let pid = header?.pid, pid > 0 else { return nil }
    var mine = stat()
    guard fstat(descriptor, &mine) == 0 else { return nil }
    let folder = "/proc/\(pid)/fd"
    guard let directory = opendir(folder) else { return nil }
    defer { closedir(directory) }
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      var theirs = stat()
      if name.first != ".", stat(folder + "/" + name, &theirs) == 0, theirs.st_dev == mine.st_dev,
        theirs.st_ino == mine.st_ino
      {
        return Int32(bitPattern: pid)
      }
    }
    return nil
  }

  /// Reads and checks the fixed header; `nil` when a growing file does not hold all of it yet.
  private func readHeader(fileMayGrow: Bool) throws(CaptureError) -> CaptureHeader? {
    let space = UnsafeMutableRawBufferPointer.allocate(byteCount: CaptureFormat.headerSize, alignment: 8)
    defer { space.deallocate() }
    var count = 0
    while count < space.count {
      let read = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: space[count...]), at: count)
      if read == 0 { break }
      count += read
    }
    let bytes = Array(space)
    let magic = CaptureFormat.magic
    let prefix = Array(bytes[0..<min(count, magic.count)])
    guard prefix.elementsEqual(magic.prefix(prefix.count)) else {
      throw .notACapture(file: path, prefix: prefix)
    }
    guard count == bytes.count else {
      if fileMayGrow { return nil }
      throw count == 0 ? .empty(file: path) : .truncatedHeader(file: path, byteCount: count)
    }
    let header = CaptureHeader(decoding: bytes)
    guard CaptureFormat.readableVersions.contains(header.version) else {
      throw .unsupportedVersion(file: path, version: header.version)
    }
    guard Int(header.headerSize) >= CaptureFormat.headerSize else {
      throw .malformedHeader(file: path, headerSize: header.headerSize)
    }
    if Int(header.headerSize) > CaptureFormat.headerSize {
      // A header longer than the file is a damaged size, not a capture cut short after it.
      var last: UInt8 = 0
      let count = try withUnsafeMutableBytes(of: &last) { (byte) throws(CaptureError) -> Int in
        try source.read(into: byte, at: Int(header.headerSize) - 1)
      }
      if count == 0 {
        if fileMayGrow { return nil }
        throw .headerPastEnd(file: path, headerSize: header.headerSize, byteCount: isCompressed ? nil : fileSize())
      }
    }
    return header
  }
}

extension CaptureHeader {
  /// Decodes the little-endian packed header from exactly ``CaptureFormat/headerSize`` bytes.
  init(decoding bytes: [UInt8]) {
    func field<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
      var value: T = 0
      for index in 0..<MemoryLayout<T>.size {
        value |= T(truncatingIfNeeded: bytes[offset + index]) << (8 * index)
      }
      return value
    }
    self.init(
      version: field(8, UInt16.self), headerSize: field(10, UInt16.self),
      flags: CaptureFlags(rawValue: field(12, UInt32.self)), pid: field(16, UInt32.self),
      parentPID: field(20, UInt32.self), startRealtimeNanoseconds: field(24, UInt64.self),
      startMonotonicNanoseconds: field(32, UInt64.self), pageSize: field(40, UInt32.self))
  }
}
