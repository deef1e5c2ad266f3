// Reads llvm-symbolizer's JSON answers, one object a line, without Foundation's JSONDecoder.

/// One answer of `llvm-symbolizer --output-style=JSON`: the symbols of one address, innermost
/// inlined function first (field names as the symbolizer spells them; every other field is skipped).
struct SymbolizerAnswer: Equatable {
  struct Symbol: Equatable {
    var functionName: String?
    var fileName: String?
    var line: Int?
    /// Where the symbol's function starts (`StartAddress`), nil when the symbolizer leaves it empty.
    var startAddress: UInt64?
  }

  /// Nil when the answer has no `Symbol` array (the symbolizer answers `Error` for a module it
  /// cannot read).
  var symbols: [Symbol]?

  /// Why the symbolizer's output could not be read.
  struct Malformed: Error {
    var reason: String
  }

  /// The answers in `output`, one per non-empty line.
  ///
  /// Why not `JSONDecoder`: a report with line-0 frames asks tens of thousands of addresses, and
  /// decoding them through `Codable` (plus splitting the lines through `Data`) took most of a
  /// small report's time; this reads the bytes once, in place.
  ///
  /// - Complexity: O(n) in the output's length.
  static func answers(in output: [UInt8]) throws(Malformed) -> [SymbolizerAnswer] {
    var answers: [SymbolizerAnswer] = []
    try output.withUnsafeBufferPointer { (bytes) throws(Malformed) in
      var reader = JSONLineReader(bytes: bytes)
      while let answer = try reader.nextAnswer() { answers.append(answer) }
    }
    return answers
  }
}

/// A reader of the JSON subset llvm-symbolizer writes: objects, arrays, strings, numbers, literals.
private struct JSONLineReader {
  let bytes: UnsafeBufferPointer<UInt8>
  var position = 0
  /// Nesting allowed before the output is called malformed (the symbolizer nests three deep).
  static let maximumDepth = 32

  init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

  typealias Malformed = SymbolizerAnswer.Malformed

  /// The next line's answer, nil at the end of the output.
  mutating func nextAnswer() throws(Malformed) -> SymbolizerAnswer? {
    skipWhitespace(newlines: true)
    guard position < bytes.count else { return nil }
    var answer = SymbolizerAnswer()
    try readObject(depth: 0) { (reader, key) throws(Malformed) in
      if key == "Symbol" {
        answer.symbols = try reader.readSymbols()
      } else {
        try reader.skipValue(depth: 1)
      }
    }
    skipWhitespace(newlines: false)
    guard position == bytes.count || bytes[position] == UInt8(ascii: "\n") else {
      throw fail("more than one value on a line")
    }
    return answer
  }

  private mutating func readSymbols() throws(Malformed) -> [SymbolizerAnswer.Symbol]? {
    skipWhitespace(newlines: true)
    if try readNull() { return nil }
    var symbols: [SymbolizerAnswer.Symbol] = []
    try readArray(depth: 1) { (reader) throws(Malformed) in
      var symbol = SymbolizerAnswer.Symbol()
      try reader.readObject(depth: 2) { (reader, key) throws(Malformed) in
        switch key {
        case "FunctionName": symbol.functionName = try reader.readOptionalString()
        case "FileName": symbol.fileName = try reader.readOptionalString()
        case "Line": symbol.line = try reader.readOptionalInteger()
        case "StartAddress": symbol.startAddress = try reader.readOptionalString().flatMap(Self.hexAddress)
        default: try reader.skipValue(depth: 3)
        }
      }
      symbols.append(symbol)
    }
    return symbols
  }

  /// `0x1f2e` as a number; nil for anything else (the symbolizer writes "" when it does not know).
  private static func hexAddress(_ text: String) -> UInt64? {
    guard text.hasPrefix("0x") else { return nil }
    return UInt64(text.dropFirst(2), radix: 16)
  }

  // MARK: - Values

  private mutating func readObject(
    depth: Int, _ member: (inout JSONLineReader, String) throws(Malformed) -> Void
  ) throws(Malformed) {
    try expect(UInt8(ascii: "{"))
    skipWhitespace(newlines: true)
    if peek() == UInt8(ascii: "}") {
      position += 1
      return
    }
    while true {
      skipWhitespace(newlines: true)
      let key = try readString()
      skipWhitespace(newlines: true)
      try expect(UInt8(ascii: ":"))
      skipWhitespace(newlines: true)
      try member(&self, key)
      skipWhitespace(newlines: true)
      let next = try take()
      if next == UInt8(ascii: "}") { return }
      guard next == UInt8(ascii: ",") else { throw fail("expected , or } in an object") }
    }
  }

  private mutating func readArray(depth: Int, _ element: (inout JSONLineReader) throws(Malformed) -> Void)
    throws(Malformed)
  {
    try expect(UInt8(ascii: "["))
    skipWhitespace(newlines: true)
    if peek() == UInt8(ascii: "]") {
      position += 1
      return
    }
    while true {
      skipWhitespace(newlines: true)
      try element(&self)
      skipWhitespace(newlines: true)
      let next = try take()
      if next == UInt8(ascii: "]") { return }
      guard next == UInt8(ascii: ",") else { throw fail("expected , or ] in an array") }
    }
  }

  private mutating func skipValue(depth: Int) throws(Malformed) {
    guard depth < Self.maximumDepth else { throw fail("nested more than \(Self.maximumDepth) deep") }
    skipWhitespace(newlines: true)
    switch peek() {
    case UInt8(ascii: "{"):
      try readObject(depth: depth) { (reader, _) throws(Malformed) in try reader.skipValue(depth: depth + 1) }
    case UInt8(ascii: "["):
      try readArray(depth: depth) { (reader) throws(Malformed) in try reader.skipValue(depth: depth + 1) }
    case UInt8(ascii: "\""):
      _ = try readString()
    case UInt8(ascii: "t"): try expectWord("true")
    case UInt8(ascii: "f"): try expectWord("false")
    case UInt8(ascii: "n"): try expectWord("null")
    default: _ = try readNumber()
    }
  }

  private mutating func readOptionalString() throws(Malformed) -> String? {
    try readNull() ? nil : try readString()
  }

  private mutating func readOptionalInteger() throws(Malformed) -> Int? {
    if try readNull() { return nil }
    guard let value = try readNumber() else { throw fail("a line number that is not a whole number") }
    return value
  }

  private mutating func readNull() throws(Malformed) -> Bool {
    guard peek() == UInt8(ascii: "n") else { return false }
    try expectWord("null")
    return true
  }

  /// A number; nil when it has a fraction or an exponent, or does not fit an `Int`.
  private mutating func readNumber() throws(Malformed) -> Int? {
    let start = position
    var negative = false
    if peek() == UInt8(ascii: "-") {
      negative = true
      position += 1
    }
    var value = 0
    var fits = true
    var digits = 0
    while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
      let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflowSum) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
      if overflowTimes || overflowSum { fits = false }
      value = sum
      digits += 1
      position += 1
    }
    guard digits > 0 else {
      position = start
      throw fail("expected a value")
    }
    var whole = true
    while let byte = peek(),
      byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
        || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    {
      whole = false
      position += 1
    }
    guard whole && fits else { return nil }
    return negative ? -value : value
  }

  private mutating func readString() throws(Malformed) -> String {
    try expect(UInt8(ascii: "\""))
    let start = position
    // The common case: no escapes, the bytes are the string.
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        position += 1
        return text
      }
      if byte == UInt8(ascii: "\\") { break }
      if byte < 0x20 { throw fail("a control character in a string") }
      position += 1
    }
    var scalars = Array(bytes[start..<position])
    while true {
      let byte = try take()
      switch byte {
      case UInt8(ascii: "\""):
        return String(decoding: scalars, as: UTF8.self)
      case UInt8(ascii: "\\"):
        let escaped = try take()
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
        case UInt8(ascii: "b"): scalars.append(0x08)
        case UInt8(ascii: "f"): scalars.append(0x0C)
        case UInt8(ascii: "n"): scalars.append(0x0A)
        case UInt8(ascii: "r"): scalars.append(0x0D)
        case UInt8(ascii: "t"): scalars.append(0x09)
        case UInt8(ascii: "u"):
          var code = try readHex4()
          if (0xD800..<0xDC00).contains(code) {
            // A surrogate pair: the second half must follow as another \u escape.
            guard try take() == UInt8(ascii: "\\"), try take() == UInt8(ascii: "u") else {
              throw fail("a lone surrogate in a string")
            }
            let low = try readHex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone surrogate in a string") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
          }
          guard let scalar = Unicode.Scalar(code) else { throw fail("an invalid \\u escape") }
          scalars.append(contentsOf: String(Character(scalar)).utf8)
        default:
          throw fail("an invalid escape in a string")
        }
      default:
        if byte < 0x20 { throw fail("a control character in a string") }
        scalars.append(byte)
      }
    }
  }

  private mutating func readHex4() throws(Malformed) -> UInt32 {
    var code: UInt32 = 0
    for _ in 0..<4 {
      let byte = try take()
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw fail("an invalid \\u escape")
      }
      code = code << 4 | UInt32(digit)
    }
    return code
  }

  // MARK: - Bytes

  private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

  private mutating func take() throws(Malformed) -> UInt8 {
    guard position < bytes.count else { throw fail("the output ends inside a value") }
    defer { position += 1 }
    return bytes[position]
  }

  private mutating func expect(_ byte: UInt8) throws(Malformed) {
    guard try take() == byte else {
      position -= 1
      throw fail("expected \(Character(Unicode.Scalar(byte)))")
    }
  }

  private mutating func expectWord(_ word: StaticString) throws(Malformed) {
    for byte in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
      guard try take() == byte else { throw fail("expected \(word)") }
    }
  }

  /// Skips spaces and tabs, and line ends too when `newlines` (inside a value).
  private mutating func skipWhitespace(newlines: Bool) {
    while position < bytes.count {
      let byte = bytes[position]
      guard byte == 0x20 || byte == 0x09 || byte == 0x0D || (newlines && byte == 0x0A) else { return }
      position += 1
    }
  }

  private func fail(_ reason: String) -> Malformed {
    Malformed(reason: "\(reason) at byte \(position)")
  }
}
