/// An enumerated list marker such as `1.`, `#.`, `a)` or `(iv)`.
struct Enumerator {
  var label: String
  var format: Node.EnumeratorFormat
  /// The column where the item text starts (0 when the marker is alone on its line).
  var contentIndent: Int

  init?(_ text: Substring) {
    var chars = text.makeIterator()
    var consumed = 0
    var opened = false
    var label = ""
    var next = chars.next()
    if next == "(" {
      opened = true
      consumed += 1
      next = chars.next()
    }
    while let ch = next, ch.isASCII, ch.isLetter || ch.isNumber || ch == "#" {
      label.append(ch)
      consumed += 1
      next = chars.next()
      if label.count > 12 { return nil }
    }
    guard !label.isEmpty else { return nil }
    if label == "#" || label.allSatisfy(\.isNumber) || label.count == 1 || Self.romanValue(label) != nil {
    } else {
      return nil
    }
    if label.contains("#") && label != "#" { return nil }
    switch next {
    case ")": format = opened ? .parentheses : .parenthesis
    case "." where !opened: format = .period
    default: return nil
    }
    consumed += 1
    self.label = label
    let rest = text.dropFirst(consumed)
    if rest.isEmpty {
      contentIndent = 0
      return
    }
    guard rest.first == " " else { return nil }
    let spaces = rest.prefix(while: { $0 == " " }).count
    contentIndent = rest.count == spaces ? 0 : consumed + spaces
  }

  /// The sequence a list starting with this marker uses (docutils: `i` and `I` start roman lists).
  var startingSequence: Node.Enumeration? {
    if label == "#" || label.allSatisfy(\.isNumber) { return .arabic }
    if label == "i" { return .lowerRoman }
    if label == "I" { return .upperRoman }
    if label.count == 1 { return label.first!.isLowercase ? .lowerAlpha : .upperAlpha }
    if Self.romanValue(label) != nil { return label.first!.isLowercase ? .lowerRoman : .upperRoman }
    return nil
  }

  /// The ordinal of the first item (nil when the marker is not a list start).
  var firstOrdinal: Int? {
    if label == "#" { return 1 }
    guard let sequence = startingSequence else { return nil }
    return ordinal(in: sequence)
  }

  /// The marker's ordinal in a given sequence, if it belongs to it.
  func ordinal(in sequence: Node.Enumeration) -> Int? {
    switch sequence {
    case .arabic:
      guard label.allSatisfy(\.isNumber), label.count < 10 else { return nil }
      return Int(label)
    case .lowerAlpha, .upperAlpha:
      guard label.count == 1, let ch = label.first, let ascii = ch.asciiValue else { return nil }
      if sequence == .lowerAlpha, ch.isLowercase { return Int(ascii) - 96 }
      if sequence == .upperAlpha, ch.isUppercase { return Int(ascii) - 64 }
      return nil
    case .lowerRoman:
      return label == label.lowercased() ? Self.romanValue(label) : nil
    case .upperRoman:
      return label == label.uppercased() ? Self.romanValue(label) : nil
    }
  }

  /// The value of a well-formed Roman numeral (1…3999), case-insensitive.
  static func romanValue(_ text: String) -> Int? {
    let values: [Character: Int] = ["i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000]
    var total = 0
    var previous = 0
    for ch in text.lowercased().reversed() {
      guard let value = values[ch] else { return nil }
      if value < previous { total -= value } else { total += value }
      previous = max(previous, value)
    }
    guard total > 0, total < 4000, roman(total) == text.lowercased() else { return nil }
    return total
  }

  /// Lower-case Roman numeral for 1…3999.
  static func roman(_ number: Int) -> String { RomanNumeral.lowercase(number) }

}
