/// Everything that can go wrong while reading a capture, as one clear sentence.
///
/// Every case names the file (as the caller spelled its path) and the offending value. One case,
/// ``truncated(file:byteCount:microseconds:)``, is a warning rather than a failure: the reader
/// returns it in ``ReadProgress/warning`` after delivering every complete record, and the analysis
/// of those records is still valid. ``damaged(file:offset:damage:)`` is thrown after the records
/// before the damage were delivered, so a caller may also show what was read up to that point.
public enum CaptureError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file holds no bytes at all.
  case empty(file: String)
  /// The file does not start with the capture magic; `prefix` holds its first (up to 8) bytes.
  case notACapture(file: String, prefix: [UInt8])
  /// The file is a capture in a format version this reader does not understand.
  case unsupportedVersion(file: String, version: UInt16)
  /// The header declares a size smaller than the header this reader knows.
  case malformedHeader(file: String, headerSize: UInt16)
  /// The header declares a size past the end of the (finished) file: `byteCount` when known.
  case headerPastEnd(file: String, headerSize: UInt16, byteCount: Int?)
  /// A finished file ends inside its fixed header.
  case truncatedHeader(file: String, byteCount: Int)
  /// A finished file has no END record (the program crashed or was killed), or ends inside a
  /// record. A warning: `byteCount` bytes and `microseconds` of the run were read and are usable.
  case truncated(file: String, byteCount: Int, microseconds: UInt64)
  /// A finished read of a file that process `pid` (the tracker) is still writing. A warning:
  /// what was there is usable, and the reader did not wait for more.
  case stillBeingWritten(file: String, pid: Int32, byteCount: Int, microseconds: UInt64)
  /// A record cannot be decoded; `offset` is its first byte in the file.
  case damaged(file: String, offset: Int, damage: CaptureDamage)
  /// The operating system refused to open or read the file.
  case unreadable(file: String, reason: String)

  /// Whether this is a warning (the records before it are a usable, if partial, capture).
  public var isWarning: Bool {
    switch self {
    case .truncated, .stillBeingWritten: return true
    default: return false
    }
  }

  /// One lower-case sentence naming the file and the value.
  public var description: String {
    switch self {
    case .empty(let file):
      return "\(file) is empty: the tracker wrote nothing, so the program may have stopped before it started"
    case .notACapture(let file, let prefix):
      return "\(file) is not a workshop capture: it starts with \"\(CaptureError.escaped(prefix))\""
    case .unsupportedVersion(let file, let version):
      let versions = CaptureFormat.readableVersions
      return
        "\(file) is a workshop capture of format version \(version): this reader understands versions \(versions.lowerBound) to \(versions.upperBound)"
    case .malformedHeader(let file, let headerSize):
      return
        "\(file) declares a \(headerSize)-byte header: a version \(CaptureFormat.version) header has \(CaptureFormat.headerSize) bytes"
    case .headerPastEnd(let file, let headerSize, let byteCount):
      let size = byteCount.map { " holds \(CaptureError.formatBytes($0)), but it" } ?? ""
      return "\(file)\(size) declares a \(headerSize)-byte header, longer than the file: its header is damaged"
    case .truncatedHeader(let file, let byteCount):
      return "\(file) is truncated inside its header after \(byteCount) bytes: it holds no events"
    case .truncated(let file, let byteCount, let microseconds):
      return
        "\(file) is truncated after \(CaptureError.formatBytes(byteCount)): showing the first \(CaptureError.formatDuration(microseconds))"
    case .stillBeingWritten(let file, let pid, let byteCount, let microseconds):
      return
        "\(file) is still being written by process \(pid): showing what is there now, \(CaptureError.formatBytes(byteCount)) and the first \(CaptureError.formatDuration(microseconds)) of the run"
    case .damaged(let file, let offset, let damage):
      return "\(file) has \(damage.phrase) at byte \(offset): the file is damaged after that point"
    case .unreadable(let file, let reason):
      return "\(file) cannot be read: \(reason.lowercased())"
    }
  }

  /// Printable ASCII as is, quotes and backslashes escaped, anything else as `\xNN`.
  static func escaped(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes {
      switch byte {
      case UInt8(ascii: "\""): text += "\\\""
      case UInt8(ascii: "\\"): text += "\\\\"
      case 0x20..<0x7f: text.unicodeScalars.append(Unicode.Scalar(byte))
      default:
        let hex = String(byte, radix: 16)
        text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return text
  }

  /// `812 bytes`, `81.2 kB`, `1.2 MB`, `3.4 GB` (decimal units, one decimal).
  static func formatBytes(_ count: Int) -> String {
    if count < 1000 { return count == 1 ? "1 byte" : "\(count) bytes" }
    let units = ["kB", "MB", "GB", "TB"]
    var value = Double(count) / 1000
    var unit = 0
    while value >= 999.95 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    return "\(oneDecimal(value)) \(units[unit])"
  }

  /// `340 ms` below a second, else `3.4 s`.
  static func formatDuration(_ microseconds: UInt64) -> String {
    if microseconds < 999_950 { return "\((microseconds + 500) / 1000) ms" }
    return "\(oneDecimal(Double(microseconds) / 1_000_000)) s"
  }

  private static func oneDecimal(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}

/// What is wrong with a record that cannot be decoded.
public enum CaptureDamage: Sendable, Equatable {
  /// A tag byte that names no record kind.
  case unknownRecord(tag: UInt8)
  /// A varint that does not fit in 64 bits.
  case oversizedNumber
  /// A string length beyond ``CaptureFormat/maximumStringLength``.
  case oversizedString(length: UInt64)
  /// A MODULES or COMMAND count beyond ``CaptureFormat/maximumCount``.
  case oversizedCount(record: String, count: UInt64)
  /// An ALLOC record naming a stack node that no FRAME record defined.
  case unknownStackNode(UInt64)
  /// A FRAME record whose parent is not an earlier node.
  case unknownParentNode(node: UInt64, parent: UInt64)
  /// A record still incomplete after ``CaptureFormat/maximumRecordBytes``.
  case oversizedRecord(byteCount: Int)
  /// An ALLOC record larger than ``CaptureFormat/maximumBlockSize``: no process can hold it.
  case impossibleSize(UInt64)
  /// An ALLOC record that brings the capture's allocated bytes past ``CaptureFormat/maximumTotalBytes``.
  case impossibleTotal(UInt64)
  /// A record (or FRAME records) cut off by the end of its chunk (version 3).
  case chunkEndsMidRecord
  /// More than ``CaptureFormat/maximumHeldBytes`` bytes of chunks whose records wait for earlier
  /// ones or for a SYNC that never comes (version 3).
  case tooManyHeldBytes(byteCount: Int)
  /// A FREE naming an allocation further back than its stream has (version 3).
  case unknownAllocation(back: UInt64)
  /// A record numbered below what an earlier SYNC said was all in the file (version 3).
  case outOfOrder(sequence: UInt64, expected: UInt64)
  /// A COLUMNS record whose columns do not hold the records it declares (versions 4 and 5).
  case damagedPackedChunk

  /// The noun phrase used in ``CaptureError/description``.
  var phrase: String {
    switch self {
    case .unknownRecord(let tag):
      let hex = String(tag, radix: 16)
      return "an unknown record 0x\(hex.count == 1 ? "0" + hex : hex)"
    case .oversizedNumber:
      return "a number longer than 64 bits"
    case .oversizedString(let length):
      return "a string of \(length) bytes"
    case .oversizedCount(let record, let count):
      return "a \(record) record with \(count) entries"
    case .unknownStackNode(let node):
      return "an alloc record naming stack node \(node), which no frame record defined,"
    case .unknownParentNode(let node, let parent):
      return "frame \(node) naming parent \(parent), which no earlier frame record defined,"
    case .oversizedRecord(let byteCount):
      return "a record longer than \(byteCount) bytes"
    case .impossibleSize(let size):
      return "an alloc record of \(size) bytes, more than a process can address,"
    case .impossibleTotal(let total):
      return "an alloc record that brings the bytes allocated to \(total), more than a program can allocate in a run,"
    case .chunkEndsMidRecord:
      return "a chunk that ends in the middle of a record"
    case .tooManyHeldBytes(let byteCount):
      return "a chunk that would bring the bytes of records waiting for earlier ones or a SYNC past \(byteCount),"
    case .unknownAllocation(let back):
      return "a free record naming the allocation \(back) back, which its stream does not have,"
    case .outOfOrder(let sequence, let expected):
      return "a record numbered \(sequence) after every record below \(expected) was said to be written,"
    case .damagedPackedChunk:
      return "a packed chunk whose columns do not hold the records it declares"
    }
  }
}
