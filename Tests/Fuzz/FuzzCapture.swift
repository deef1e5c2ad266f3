// libFuzzer entry points for the capture readers. Built by Tests/Fuzz/capture.sh with the modules it
// reads through (MemoryTrace, MemoryAnalysis, Symbols, Rendering and theirs), not by SwiftPM.
//
// The mutator works on records, not bytes: it decodes the capture (decompressing it first when it is
// zstd), changes fields and records, encodes it again and compresses it now and then, so that the
// reader sees captures that are well-formed up to the change, which byte flips rarely make.
import CZstd
import Foundation
import MemoryAnalysis
import MemoryTrace
import Rendering
import Symbols

// MARK: - The target

/// Where each input is written for the reader, which reads files (one file per fuzzing process).
nonisolated(unsafe) private var inputPath: String = {
  let folder = FileManager.default.temporaryDirectory.path
  return "\(folder)/workshop-fuzz-capture-\(getpid()).bin"
}()

/// The most bytes an input may decompress to: the harness keeps to 256 MB of memory, and the bound
/// on what a reader keeps is tested apart (HostileCaptureTests); a bigger one is skipped.
private let maximumPlainBytes = 4 << 20

/// Reads `size` bytes of `data` as a capture and makes every report of it; libFuzzer calls it per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCapture(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let plain = Zstd.plainBytes(of: bytes, limit: maximumPlainBytes) else { return 0 }
  guard FileManager.default.createFile(atPath: inputPath, contents: Data(bytes)) else { return 0 }
  defer { unlink(inputPath) }

  // Read whole, as `workshop stats` does.
  let profile: MemoryProfile
  do {
    profile = try MemoryProfile(contentsOf: inputPath, regions: [RegionRequest(from: "a", to: "b")])
  } catch {
    _ = error.description
    return 0
  }
  report(profile)
  // Read in pieces while the file "grows", as `workshop run` does: the same records must come out.
  if plain.count == bytes.count, size > 64 {
    let cut = Int(bytes[size / 2]) % size
    _ = FileManager.default.createFile(atPath: inputPath, contents: Data(bytes[..<cut]))
    if let live = try? LiveCapture(path: inputPath) {
      _ = try? live.update(fileMayGrow: true)
      // Appended to the same file, as the tracker does (a new file would be another inode).
      let descriptor = open(inputPath, O_WRONLY | O_APPEND)
      if descriptor >= 0 {
        _ = bytes[cut...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
      }
      _ = try? live.update(fileMayGrow: false)
      let again = live.profile()
      precondition(
        again.totals.allocations == profile.totals.allocations || again.readProblem != nil
          || profile.readProblem != nil, "reading in two pieces changed the allocations")
    }
  }
  return 0
}

/// Every report `workshop` makes of a capture, drawn and thrown away.
private func report(_ profile: MemoryProfile) {
  _ = profile.readProblem?.description
  _ = try? JSONEncoder().encode(profile.summary)
  let symbolizer = Symbolizer(resolver: UnresolvedSymbols())
  let stacks = CaptureStacks(frames: profile.frames)
  for totals in [profile.peak.aliveByStack, profile.leaks, profile.temporaries.byStack] {
    let samples = totals.map { StackSample(stack: Int($0.stack), bytes: $0.bytes, count: $0.count) }
    for filter in [FrameFilter(), nil] {
      guard
        let tree = try? AllocationTree.build(
          stacks: stacks, samples: samples, symbolizer: symbolizer, filter: filter, rootLabel: "fuzz")
      else { continue }
      _ = Icicle.render(tree, width: 100, height: 40).text(for: .plain)
      _ = Icicle.render(tree.inverted(), width: 80).text(for: .plain)
      _ = FoldedStacks.render(tree)
      _ = SummaryTable.render(LocationSummary(tree: tree), order: .total, maxRows: 20, width: 120).text(for: .plain)
    }
  }
  let entries = profile.peak.aliveByStack.prefix(5).map {
    StatsText.StackEntry(bytes: $0.bytes, count: $0.count, frames: ["f"])
  }
  _ = StatsText.render(profile, capturePath: "fuzz.bin", topStacks: entries, unicode: true).text(for: .plain)
  let points = profile.timeline.map {
    MemoryChart.Point(
      milliseconds: Double($0.microseconds) / 1000, heapBytes: $0.maxHeapBytes, residentBytes: $0.residentBytes)
  }
  _ = MemoryChart.render(points, width: 80, height: 20).text(for: .plain)
  for region in profile.regions { _ = RegionSummary(region) }
}

// MARK: - The record-level mutator

/// One field of a record as the format encodes it.
enum Field {
  case unsigned(UInt64)
  case signed(Int64)
  case bytes([UInt8])
}

/// One record: its tag byte and its fields in order (counts included, as fields).
struct Record {
  var tag: UInt8
  var fields: [Field]
}

/// A capture as a header and records, and the bytes after the last record that decodes.
struct DecodedCapture {
  var header: [UInt8]
  var records: [Record]
  var tail: [UInt8]

  init?(_ bytes: [UInt8]) {
    guard bytes.count >= 48 else { return nil }
    let headerSize = max(48, Int(bytes[10]) | Int(bytes[11]) << 8)
    guard bytes.count >= headerSize else { return nil }
    header = Array(bytes[..<headerSize])
    records = []
    var position = headerSize
    while position < bytes.count, let (record, next) = Self.record(in: bytes, at: position) {
      records.append(record)
      position = next
    }
    tail = Array(bytes[position...])
  }

  static func record(in bytes: [UInt8], at start: Int) -> (Record, Int)? {
    var position = start
    func unsigned() -> UInt64? {
      var result: UInt64 = 0
      var shift: UInt64 = 0
      while position < bytes.count, shift < 64 {
        let byte = bytes[position]
        position += 1
        result |= UInt64(byte & 0x7f) << shift
        if byte < 0x80 { return result }
        shift += 7
      }
      return nil
    }
    func signed() -> Int64? {
      unsigned().map { Int64(bitPattern: ($0 >> 1) ^ (0 &- ($0 & 1))) }
    }
    func string() -> [UInt8]? {
      guard let length = unsigned(), length <= UInt64(bytes.count - position) else { return nil }
      defer { position += Int(length) }
      return Array(bytes[position..<position + Int(length)])
    }
    let tag = bytes[position]
    position += 1
    var fields: [Field] = []
    switch tag & 0xf0 {
    case 0x10:
      guard let delta = signed(), let size = unsigned(), let stack = unsigned() else { return nil }
      fields = [.signed(delta), .unsigned(size), .unsigned(stack)]
    case 0x20:
      guard let delta = signed() else { return nil }
      fields = [.signed(delta)]
    default:
      switch tag {
      case 0x02:
        guard let parent = unsigned(), let delta = signed() else { return nil }
        fields = [.unsigned(parent), .signed(delta)]
      case 0x03, 0x08, 0x09, 0x0a:
        guard let value = unsigned() else { return nil }
        fields = [.unsigned(value)]
      case 0x04:
        guard let a = unsigned(), let b = unsigned(), let c = unsigned() else { return nil }
        fields = [.unsigned(a), .unsigned(b), .unsigned(c)]
      case 0x05:
        guard let count = unsigned(), count <= 4096 else { return nil }
        fields = [.unsigned(count)]
        for _ in 0..<count {
          guard let path = string(), let bias = unsigned(), let low = unsigned(), let high = unsigned() else {
            return nil
          }
          fields += [.bytes(path), .unsigned(bias), .unsigned(low), .unsigned(high)]
        }
      case 0x06:
        guard let name = string() else { return nil }
        fields = [.bytes(name)]
      case 0x07:
        guard let executable = string(), let count = unsigned(), count <= 4096 else { return nil }
        fields = [.bytes(executable), .unsigned(count)]
        for _ in 0..<count {
          guard let argument = string() else { return nil }
          fields.append(.bytes(argument))
        }
      default:
        return nil
      }
    }
    return (Record(tag: tag, fields: fields), position)
  }

  func encoded() -> [UInt8] {
    var bytes = header
    func unsigned(_ value: UInt64) {
      var value = value
      while value >= 0x80 {
        bytes.append(UInt8(value & 0x7f) | 0x80)
        value >>= 7
      }
      bytes.append(UInt8(value))
    }
    for record in records {
      bytes.append(record.tag)
      for field in record.fields {
        switch field {
        case .unsigned(let value): unsigned(value)
        case .signed(let value): unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
        case .bytes(let value):
          unsigned(UInt64(value.count))
          bytes += value
        }
      }
    }
    return bytes + tail
  }
}

/// Values worth trying in any numeric field: edges of the format's bounds and of the integer types.
private let interestingValues: [UInt64] = [
  0, 1, 2, 7, 8, 15, 16, 63, 64, 127, 128, 255, 4096, 65_535, 65_536, 1 << 31, 1 << 32, (1 << 56) - 1, 1 << 56,
  (1 << 56) + 1, (1 << 62) - 1, 1 << 62, 1 << 63, UInt64.max - 1, UInt64.max, UInt64(UInt32.max),
]

/// Record kinds to insert: one example of each, fields filled in by the mutation that follows.
private let recordTemplates: [Record] = [
  Record(tag: 0x10, fields: [.signed(16), .unsigned(32), .unsigned(0)]),
  Record(tag: 0x12, fields: [.signed(-16), .unsigned(4096), .unsigned(1)]),
  Record(tag: 0x20, fields: [.signed(0)]),
  Record(tag: 0x22, fields: [.signed(16)]),
  Record(tag: 0x02, fields: [.unsigned(0), .signed(0x1000)]),
  Record(tag: 0x03, fields: [.unsigned(2)]),
  Record(tag: 0x04, fields: [.unsigned(10_000), .unsigned(1 << 20), .unsigned(1 << 16)]),
  Record(
    tag: 0x05,
    fields: [.unsigned(1), .bytes(Array("/bin/sh".utf8)), .unsigned(0x1000), .unsigned(0x1000), .unsigned(0x9000)]),
  Record(tag: 0x06, fields: [.bytes(Array("a".utf8))]),
  Record(tag: 0x06, fields: [.bytes(Array("b".utf8))]),
  Record(tag: 0x07, fields: [.bytes(Array("/bin/x\u{1b}[31m".utf8)), .unsigned(1), .bytes(Array("-v".utf8))]),
  Record(tag: 0x08, fields: [.unsigned(20_000)]),
  Record(tag: 0x09, fields: [.unsigned(5)]),
  Record(tag: 0x0a, fields: [.unsigned(15_000)]),
]

/// A small random source seeded by libFuzzer.
struct FuzzRandom {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
  mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }
}

@_silgen_name("LLVMFuzzerMutate")
func LLVMFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// Decodes, changes fields and records, re-encodes, and compresses one time in four.
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateCapture(
  _ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: UInt32
) -> Int {
  var random = FuzzRandom(state: UInt64(seed))
  let input = Array(UnsafeBufferPointer(start: data, count: size))
  let wasCompressed = input.starts(with: [0x28, 0xB5, 0x2F, 0xFD])
  guard random.below(8) != 0, let plain = Zstd.plainBytes(of: input, limit: maximumPlainBytes),
    var capture = DecodedCapture(plain), !capture.records.isEmpty
  else {
    return LLVMFuzzerMutate(data, size, maxSize)
  }
  for _ in 0...random.below(4) { mutate(&capture, &random) }
  var output = capture.encoded()
  if (wasCompressed && random.below(2) == 0) || random.below(4) == 0 { output = Zstd.compressed(output) }
  guard output.count <= maxSize else { return LLVMFuzzerMutate(data, size, maxSize) }
  output.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: output.count) }
  return output.count
}

private func mutate(_ capture: inout DecodedCapture, _ random: inout FuzzRandom) {
  let count = capture.records.count
  let index = random.below(count)
  switch random.below(10) {
  case 0, 1, 2:
    // A field to an edge value, or nudged.
    var record = capture.records[index]
    guard !record.fields.isEmpty else { return }
    let field = random.below(record.fields.count)
    let value = random.below(3) == 0 ? random.next() : interestingValues[random.below(interestingValues.count)]
    switch record.fields[field] {
    case .unsigned(let old):
      record.fields[field] = .unsigned(random.below(2) == 0 ? value : old &+ UInt64(random.below(5)) &- 2)
    case .signed(let old):
      record.fields[field] = .signed(
        random.below(2) == 0 ? Int64(bitPattern: value) : old &+ Int64(random.below(65)) &- 32)
    case .bytes(var old):
      switch random.below(4) {
      case 0: old = Array("/dev/zero".utf8)
      case 1: old += [0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x0d]
      case 2: old = Array(repeating: UInt8(truncatingIfNeeded: value), count: random.below(300))
      default: if !old.isEmpty { old[random.below(old.count)] = UInt8(truncatingIfNeeded: value) }
      }
      record.fields[field] = .bytes(old)
    }
    capture.records[index] = record
  case 3:
    capture.records.insert(capture.records[index], at: random.below(count + 1))
  case 4:
    if count > 1 { capture.records.remove(at: index) }
  case 5:
    capture.records.swapAt(index, random.below(count))
  case 6, 7:
    capture.records.insert(recordTemplates[random.below(recordTemplates.count)], at: random.below(count + 1))
  case 8:
    // A run of one record, as a long program writes (bounded, so the input stays small).
    let copies = Array(repeating: capture.records[index], count: 1 + random.below(200))
    capture.records.insert(contentsOf: copies, at: index)
  default:
    // A header field: version, header size, pid.
    let offset = [8, 10, 16, 12][random.below(4)]
    capture.header[offset] = UInt8(truncatingIfNeeded: random.next())
  }
}

// MARK: - zstd

enum Zstd {
  /// The capture's plain bytes: `bytes` as they are, or decompressed when they are a zstd frame;
  /// nil when that would take more than `limit` bytes (or is not valid zstd).
  static func plainBytes(of bytes: [UInt8], limit: Int) -> [UInt8]? {
    guard bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) else { return bytes }
    guard let stream = ZSTD_createDStream() else { return nil }
    defer { ZSTD_freeDStream(stream) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    return bytes.withUnsafeBytes { source -> [UInt8]? in
      var input = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
      while true {
        let (produced, status) = chunk.withUnsafeMutableBytes { target -> (Int, Int) in
          var output = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
          let status = ZSTD_decompressStream(stream, &output, &input)
          return (output.pos, ZSTD_isError(status) != 0 ? -1 : status)
        }
        if status < 0 { return result }  // damaged: the reader says so; what came before is the capture
        result += chunk[..<produced]
        if result.count > limit { return nil }
        if produced == 0 && (input.pos == input.size || status == 0) { return result }
      }
    }
  }

  /// `bytes` as one zstd frame (level 1).
  static func compressed(_ bytes: [UInt8]) -> [UInt8] {
    var output = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
    let count = output.withUnsafeMutableBytes { target in
      bytes.withUnsafeBytes { source in
        ZSTD_compress(target.baseAddress, target.count, source.baseAddress, source.count, 1)
      }
    }
    return ZSTD_isError(count) != 0 ? bytes : Array(output[..<count])
  }
}
