/// A key the user pressed, decoded from the bytes the terminal sends.
public enum Key: Hashable, Sendable {
  /// A printable character (any script: decoded from UTF-8).
  case character(Character)
  /// A letter (or `@ [ \ ] ^ _`) with Control held, lower case: Ctrl-C is `.control("c")`.
  /// Tab, Enter, Backspace and Esc, which send control bytes too, have their own cases.
  case control(Character)
  /// Arrow up.
  case up
  /// Arrow down.
  case down
  /// Arrow left.
  case left
  /// Arrow right.
  case right
  /// Enter or Return.
  case enter
  /// Backspace.
  case backspace
  /// Esc alone.
  case escape
  /// Tab.
  case tab
  /// Shift-Tab.
  case backTab
  /// Page Up.
  case pageUp
  /// Page Down.
  case pageDown
  /// Home.
  case home
  /// End.
  case end
  /// Insert.
  case insert
  /// Delete (forward).
  case delete
  /// A function key, F1 to F12.
  case function(Int)
}

/// Turns the bytes read from a terminal into keys: UTF-8 characters, control bytes, and the
/// escape sequences (CSI `ESC [`, SS3 `ESC O`) that xterm-like terminals send for the other keys,
/// modifiers ignored. Bytes that end in the middle of a sequence wait for the next read; if none
/// comes soon, ``flush()`` decides (a lone `ESC` is the Esc key).
public struct KeyDecoder: Sendable {
  private var pending: [UInt8] = []

  /// A decoder with nothing pending.
  public init() {}

  /// Whether bytes are waiting for the rest of their sequence.
  public var hasPending: Bool { !pending.isEmpty }

  /// The keys `bytes` complete; an unfinished sequence at the end is kept for the next call.
  public mutating func decode(_ bytes: some Sequence<UInt8>) -> [Key] {
    pending.append(contentsOf: bytes)
    var keys: [Key] = []
    var index = 0
    while index < pending.count {
      guard let (key, length) = Self.key(in: pending[index...]) else { break }
      if let key { keys.append(key) }
      index += length
    }
    pending.removeFirst(index)
    return keys
  }

  /// The keys of what is pending, taken as complete (the terminal sent nothing more): a lone
  /// `ESC` is Esc, a cut sequence is Esc and what followed it, a cut UTF-8 character is dropped.
  public mutating func flush() -> [Key] {
    var keys: [Key] = []
    var bytes = pending[...]
    pending = []
    while let first = bytes.first {
      if first == 0x1B {
        keys.append(.escape)
        bytes = bytes.dropFirst()
        continue
      }
      guard let (key, length) = Self.key(in: bytes) else { break }
      if let key { keys.append(key) }
      bytes = bytes.dropFirst(length)
    }
    return keys
  }

  /// The key at the start of `bytes` and the bytes it takes (a nil key for bytes that mean none),
  /// or nil when they end before it does.
  static func key(in bytes: ArraySlice<UInt8>) -> (Key?, Int)? {
    guard let first = bytes.first else { return nil }
    switch first {
    case 0x1B: return escapeSequence(bytes)
    case 0x0D, 0x0A: return (.enter, 1)
    case 0x09: return (.tab, 1)
    case 0x7F, 0x08: return (.backspace, 1)
    case 0x00: return (.control("@"), 1)
    case 0x01...0x1A: return (.control(Character(Unicode.Scalar(first + 0x60))), 1)
    case 0x1C...0x1F: return (.control(Character(Unicode.Scalar(first + 0x40))), 1)
    case 0x20...0x7E: return (.character(Character(Unicode.Scalar(first))), 1)
    default: return utf8Character(bytes)
    }
  }

  private static func utf8Character(_ bytes: ArraySlice<UInt8>) -> (Key?, Int)? {
    let first = bytes[bytes.startIndex]
    let length: Int
    switch first {
    case 0xC2...0xDF: length = 2
    case 0xE0...0xEF: length = 3
    case 0xF0...0xF4: length = 4
    default: return (nil, 1)  // a stray continuation or invalid byte
    }
    let available = bytes.prefix(length)
    for byte in available.dropFirst() where byte & 0xC0 != 0x80 { return (nil, 1) }
    guard available.count == length else { return nil }
    let text = String(decoding: available, as: UTF8.self)
    guard let character = text.first, text.unicodeScalars.first?.value != 0xFFFD else { return (nil, length) }
    return (.character(character), length)
  }

  private static func escapeSequence(_ bytes: ArraySlice<UInt8>) -> (Key?, Int)? {
    let start = bytes.startIndex
    guard bytes.count >= 2 else { return nil }
    let introducer = bytes[start + 1]
    switch introducer {
    case UInt8(ascii: "["):
      // CSI: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, one final byte 0x40–0x7E.
      var index = start + 2
      while index < bytes.endIndex, (0x20...0x3F).contains(bytes[index]) { index += 1 }
      guard index < bytes.endIndex else { return nil }
      let final = bytes[index]
      let length = index - start + 1
      guard (0x40...0x7E).contains(final) else { return (.escape, 1) }
      let parameters = String(decoding: bytes[(start + 2)..<index], as: UTF8.self)
      let first = Int(parameters.split(separator: ";").first ?? "") ?? 1
      return (csiKey(final: final, parameter: first), length)
    case UInt8(ascii: "O"):
      guard bytes.count >= 3 else { return nil }
      return (ss3Key(bytes[start + 2]), 3)
    case 0x1B:
      return (.escape, 1)
    default:
      // Alt with a key: Esc, then the key.
      return (.escape, 1)
    }
  }

  private static func csiKey(final: UInt8, parameter: Int) -> Key? {
    switch final {
    case UInt8(ascii: "Z"): return .backTab
    case UInt8(ascii: "~"):
      switch parameter {
      case 1, 7: return .home
      case 2: return .insert
      case 3: return .delete
      case 4, 8: return .end
      case 5: return .pageUp
      case 6: return .pageDown
      case 11...15: return .function(parameter - 10)
      case 17...21: return .function(parameter - 11)
      case 23, 24: return .function(parameter - 12)
      default: return nil
      }
    default: return letterKey(final)
    }
  }

  private static func ss3Key(_ final: UInt8) -> Key? {
    final == UInt8(ascii: "M") ? .enter : letterKey(final)
  }

  /// The keys whose sequences end in a letter, the same after CSI and SS3.
  private static func letterKey(_ final: UInt8) -> Key? {
    switch final {
    case UInt8(ascii: "A"): return .up
    case UInt8(ascii: "B"): return .down
    case UInt8(ascii: "C"): return .right
    case UInt8(ascii: "D"): return .left
    case UInt8(ascii: "H"): return .home
    case UInt8(ascii: "F"): return .end
    case UInt8(ascii: "P"): return .function(1)
    case UInt8(ascii: "Q"): return .function(2)
    case UInt8(ascii: "R"): return .function(3)
    case UInt8(ascii: "S"): return .function(4)
    default: return nil
    }
  }
}
