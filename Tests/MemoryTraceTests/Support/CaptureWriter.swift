// Test support: encodes captures exactly as workshop_capture.h documents them. Shared with
// MemoryAnalysisTests through a symbolic link, since Package.swift has no shared test-support target.
import Foundation
import MemoryTrace

/// Builds capture bytes record by record, keeping the running address and frame ips as the tracker does.
struct CaptureWriter {
  var bytes: [UInt8] = []
  private var address: UInt64 = 0
  private var frameIPs: [UInt64] = [0]

  /// The version of the streams this writer makes: every record at the top level, in order, as
  /// versions 1 and 2 have it (version 3's numbered chunks: ChunkedCaptureWriter).
  static let streamVersion: UInt16 = 2

  /// Starts a capture with `header` (or with no header at all). A header of the current version
  /// is written as ``streamVersion``, the layout the records below follow.
  init(header: CaptureHeader? = CaptureHeader(pid: 4242, parentPID: 1, pageSize: 4096)) {
    guard var header else { return }
    if header.version == CaptureFormat.version { header.version = CaptureWriter.streamVersion }
    bytes = CaptureWriter.encode(header)
  }

  static func encode(_ header: CaptureHeader) -> [UInt8] {
    var bytes = Array("WSHPCAP1".utf8)
    func put<T: FixedWidthInteger>(_ value: T) {
      for index in 0..<MemoryLayout<T>.size { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }
    put(header.version)
    put(header.headerSize)
    put(header.flags.rawValue)
    put(header.pid)
    put(header.parentPID)
    put(header.startRealtimeNanoseconds)
    put(header.startMonotonicNanoseconds)
    put(header.pageSize)
    put(UInt32(0))
    return bytes
  }

  mutating func uv(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7f) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  mutating func sv(_ value: Int64) {
    uv(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
  }

  mutating func string(_ text: String) {
    uv(UInt64(text.utf8.count))
    bytes.append(contentsOf: text.utf8)
  }

  mutating func command(_ executable: String, _ arguments: [String]) {
    bytes.append(0x07)
    string(executable)
    uv(UInt64(arguments.count))
    for argument in arguments { string(argument) }
  }

  mutating func modules(_ modules: [Module]) {
    bytes.append(0x05)
    uv(UInt64(modules.count))
    for module in modules {
      string(module.path)
      uv(module.loadBias)
      uv(module.lowAddress)
      uv(module.highAddress)
    }
  }

  /// Writes a FRAME record and returns the node it defines.
  @discardableResult
  mutating func frame(parent: UInt32, ip: UInt64) -> UInt32 {
    bytes.append(0x02)
    uv(UInt64(parent))
    sv(Int64(bitPattern: ip &- frameIPs[Int(parent)]))
    frameIPs.append(ip)
    return UInt32(frameIPs.count - 1)
  }

  /// Writes the frames of a stack given outermost first and returns the innermost node.
  @discardableResult
  mutating func stack(_ ips: [UInt64], under parent: UInt32 = 0) -> UInt32 {
    var node = parent
    for ip in ips { node = frame(parent: node, ip: ip) }
    return node
  }

  mutating func thread(_ tid: UInt64) {
    bytes.append(0x03)
    uv(tid)
  }

  mutating func alloc(_ kind: AllocationKind = .malloc, address: UInt64, size: UInt64, stack: UInt32 = 0) {
    bytes.append(0x10 | kind.rawValue)
    sv(Int64(bitPattern: address &- self.address))
    self.address = address
    uv(size)
    uv(UInt64(stack))
  }

  mutating func free(_ kind: DeallocationKind = .free, address: UInt64) {
    bytes.append(0x20 | kind.rawValue)
    sv(Int64(bitPattern: address &- self.address))
    self.address = address
  }

  mutating func tick(microseconds: UInt64, resident: UInt64 = 0, tracker: UInt64 = 0) {
    bytes.append(0x04)
    uv(microseconds)
    uv(resident)
    uv(tracker)
  }

  mutating func marker(_ name: String) {
    bytes.append(0x06)
    string(name)
  }

  mutating func end(microseconds: UInt64) {
    bytes.append(0x08)
    uv(microseconds)
  }

  mutating func lost(_ count: UInt64) {
    bytes.append(0x09)
    uv(count)
  }

  /// Writes an EXEC record: the stream after it starts afresh (address 0, nodes numbered from 1).
  mutating func exec(microseconds: UInt64) {
    bytes.append(0x0a)
    uv(microseconds)
    address = 0
    frameIPs = [0]
  }
}

/// A scratch directory removed when the value goes away.
final class ScratchDirectory {
  let path: String

  init() {
    path =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("workshop-tests-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `bytes` to `name` in the directory and returns its path.
  @discardableResult
  func write(_ bytes: [UInt8], to name: String) -> String {
    let file = path + "/" + name
    _ = FileManager.default.createFile(atPath: file, contents: Data(bytes))
    return file
  }

  /// Appends `bytes` to the file at `file`.
  func append(_ bytes: some Collection<UInt8>, to file: String) {
    let handle = FileHandle(forWritingAtPath: file)!
    handle.seekToEndOfFile()
    handle.write(Data(bytes))
    handle.closeFile()
  }
}
