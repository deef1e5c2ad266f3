/// One source line, tabs expanded, with the indentation already taken off by enclosing blocks.
///
/// The indentation and blankness are measured once, when the line is made, and taking columns of
/// indentation off is O(1): a line nested *d* blocks deep is re-made *d* times, and measuring it
/// each time made deep nesting quadratic.
struct SourceLine: Sendable {
  /// The text, without the enclosing blocks' indentation.
  let text: Substring
  /// The 1-based source line number.
  var number: Int
  /// How many columns enclosing blocks took off the front.
  var offset: Int
  /// Leading spaces.
  let indent: Int
  /// Whether the line holds nothing but spaces.
  let isBlank: Bool

  init(text: Substring, number: Int, offset: Int) {
    var spaces = 0
    for byte in text.utf8 {
      guard byte == UInt8(ascii: " ") else { break }
      spaces += 1
    }
    self.init(text: text, number: number, offset: offset, indent: spaces, isBlank: spaces == text.utf8.count)
  }

  private init(text: Substring, number: Int, offset: Int, indent: Int, isBlank: Bool) {
    self.text = text
    self.number = number
    self.offset = offset
    self.indent = indent
    self.isBlank = isBlank
  }

  /// The line with `columns` columns taken off the front (as many as there are).
  func dropping(_ columns: Int) -> SourceLine {
    if columns <= indent || isBlank {
      // Only spaces go, one byte each.
      let n = Swift.min(columns, indent)
      let start = text.utf8.index(text.startIndex, offsetBy: n)
      return SourceLine(text: text[start...], number: number, offset: offset + n, indent: indent - n, isBlank: isBlank)
    }
    let n = Swift.min(columns, text.count)
    return SourceLine(text: text.dropFirst(n), number: number, offset: offset + n)
  }

  /// The 1-based column of the first non-blank character.
  var column: Int { offset + indent + 1 }
}

/// A cursor over source lines with rewind, in the manner of Ink's `Reader`.
struct LineReader {
  let lines: [SourceLine]
  private(set) var position = 0

  init(_ lines: [SourceLine]) { self.lines = lines }

  var isAtEnd: Bool { position >= lines.count }
  var current: SourceLine { lines[position] }

  /// The line `offset` lines ahead, if any.
  func peek(_ offset: Int = 1) -> SourceLine? {
    let index = position + offset
    return index < lines.count ? lines[index] : nil
  }

  mutating func advance(_ count: Int = 1) { position = Swift.min(lines.count, position + count) }
  mutating func rewind(to mark: Int) { position = mark }

  /// The next line, or nil at the end.
  var next: SourceLine? { peek(1) }

  /// Reads an indented block the way docutils' `get_indented` does, starting at the current line.
  ///
  /// - `firstIndent`: the first line is known to start its text at this column and is included whatever
  ///   its indentation.
  /// - `blockIndent`: every line must be blank or indented at least this much and loses exactly this
  ///   much; without it, the lines lose their smallest indentation.
  /// Returns the lines (trailing blank lines dropped) and whether the block ended at a blank line (or at
  /// the end of the input).
  mutating func readIndented(firstIndent: Int? = nil, blockIndent: Int? = nil) -> (
    lines: [SourceLine], blankFinish: Bool
  ) {
    let start = position
    var end = start
    var first = firstIndent
    if blockIndent != nil && first == nil { first = blockIndent }
    if first != nil { end += 1 }
    var minIndent: Int? = blockIndent
    var blankFinish = true
    while end < lines.count {
      let line = lines[end]
      if !line.isBlank {
        let indent = line.indent
        if indent == 0 || (blockIndent != nil && indent < blockIndent!) {
          blankFinish = end > start && lines[end - 1].isBlank
          break
        }
        if blockIndent == nil { minIndent = minIndent.map { Swift.min($0, indent) } ?? indent }
      }
      end += 1
    }
    var block = Array(lines[start..<end])
    position = end
    let strip = minIndent ?? 0
    for index in block.indices {
      if index == 0, let first {
        block[0] = block[0].dropping(first)
      } else {
        block[index] =
          block[index].isBlank ? block[index].dropping(block[index].indent) : block[index].dropping(strip)
      }
    }
    while let last = block.last, last.isBlank, block.count > (first != nil ? 1 : 0) { block.removeLast() }
    return (block, blankFinish)
  }
}

extension Character {
  /// Punctuation that may form section adornments and quoted literal blocks.
  var isAdornment: Bool {
    guard isASCII, let ascii = asciiValue else { return false }
    return (33...47).contains(ascii) || (58...64).contains(ascii) || (91...96).contains(ascii)
      || (123...126).contains(ascii)
  }
}

extension Substring {
  /// True when the text (trailing spaces ignored) is one adornment character repeated.
  var isAdornmentLine: Bool {
    let trimmed = self.trimmingTrailingSpaces
    guard let first = trimmed.first, first.isAdornment else { return false }
    return trimmed.allSatisfy { $0 == first }
  }

  var trimmingTrailingSpaces: Substring {
    var end = endIndex
    while end > startIndex, self[index(before: end)] == " " { end = index(before: end) }
    return self[startIndex..<end]
  }

  var trimmingSpaces: Substring {
    let trailing = trimmingTrailingSpaces
    return trailing.drop(while: { $0 == " " })
  }
}

/// Splits source text into lines, expanding tabs to 8 columns and dropping other control characters,
/// as docutils does.
func sourceLines(_ text: String) -> [SourceLine] {
  var result: [SourceLine] = []
  var number = 0
  var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
  if lines.last == "" { lines.removeLast() }
  result.reserveCapacity(lines.count)
  for raw in lines {
    number += 1
    var line = raw
    if line.last == "\r" { line = line.dropLast() }
    if line.contains(where: { $0 == "\t" || $0 == "\u{0B}" || $0 == "\u{0C}" || $0 == "\r" }) {
      var expanded = ""
      var column = 0
      for ch in line {
        if ch == "\t" {
          let spaces = 8 - column % 8
          expanded.append(String(repeating: " ", count: spaces))
          column += spaces
        } else if ch == "\u{0B}" || ch == "\u{0C}" || ch == "\r" {
          expanded.append(" ")
          column += 1
        } else {
          expanded.append(ch)
          column += 1
        }
      }
      line = Substring(expanded)
    }
    result.append(SourceLine(text: line.trimmingTrailingSpaces, number: number, offset: 0))
  }
  return result
}
