// Terminal column widths: wide (East Asian and emoji) characters take two columns, combining marks
// none. One implementation for the whole package: the rST reader needs it for grid tables and
// section underlines, every renderer for laying text out in cells.

/// How many terminal columns text takes: 2 for East Asian wide and most emoji, 0 for controls and
/// combining marks.
public enum DisplayWidth {
  /// The columns one character takes.
  public static func of(_ character: Character) -> Int { character.displayWidth }

  /// The columns a string takes.
  public static func of(_ text: some StringProtocol) -> Int { text.displayWidth }

  /// `text` cut to at most `columns` columns, ending with `ellipsis` when it was cut.
  public static func truncate(_ text: String, to columns: Int, ellipsis: String) -> String {
    guard columns > 0 else { return "" }
    if of(text) <= columns { return text }
    let room = columns - of(ellipsis)
    guard room > 0 else { return String(ellipsis.prefix(columns)) }
    var result = ""
    var used = 0
    for character in text {
      let next = of(character)
      if used + next > room { break }
      result.append(character)
      used += next
    }
    return result + ellipsis
  }
}

extension Character {
  /// Columns the character takes in a terminal: 0, 1 or 2.
  public var displayWidth: Int {
    guard let first = unicodeScalars.first else { return 0 }
    if isASCII { return first.value < 0x20 || first.value == 0x7F ? 0 : 1 }
    // Box drawing, block elements and general punctuation (dashes, bullets, `…`) fill lessons'
    // tables and frames: one column, known without looking up the scalar's properties.
    if unicodeScalars.count == 1 && (0x2500...0x259F ~= first.value || 0x2010...0x2027 ~= first.value) { return 1 }
    if unicodeScalars.contains(where: { $0.value == 0xFE0F }) && first.properties.isEmoji { return 2 }
    return first.displayWidth
  }
}

extension Unicode.Scalar {
  /// Columns the scalar takes in a terminal: 0, 1 or 2.
  public var displayWidth: Int {
    let v = value
    if v < 0x20 || (0x7F..<0xA0).contains(v) { return 0 }
    if v < 0x300 { return 1 }
    switch properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if (0x1160...0x11FF).contains(v) || v == 0x200B { return 0 }
    if properties.isEmojiPresentation { return 2 }
    for range in wideRanges where range.contains(v) { return 2 }
    return 1
  }
}

/// East Asian wide and fullwidth blocks (and the emoji blocks drawn wide by default).
private let wideRanges: [ClosedRange<UInt32>] = [
  0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
  0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
  0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF,
  0x1F200...0x1F2FF, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
]

extension StringProtocol {
  /// Columns the text takes in a terminal.
  public var displayWidth: Int {
    var total = 0
    for ch in self { total += ch.displayWidth }
    return total
  }
}
