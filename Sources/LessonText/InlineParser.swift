/// Inline markup recognition following docutils' rules: start-strings follow white space or opening
/// punctuation and precede non-white space; end-strings follow non-white space and precede white space or
/// closing punctuation.
struct InlineParser {
  /// Roles that change the text's style.
  static let styleRoles: [String: String] = [
    "emphasis": "emphasis", "strong": "strong", "literal": "literal", "code": "literal", "math": "literal",
  ]

  /// Roles docutils and Sphinx know: the text is shown and the target kept.
  static let knownRoles: Set<String> = [
    "doc", "ref", "any", "numref", "term", "func", "class", "meth", "mod", "attr", "data", "const", "exc", "obj",
    "pep", "rfc", "pep-reference", "rfc-reference", "download", "keyword", "token", "envvar", "option", "program",
    "abbr", "abbreviation", "ab", "acronym", "ac", "eq", "manpage", "samp", "file", "kbd", "command", "makevar",
    "mimetype", "regexp", "menuselection", "guilabel", "dfn", "sub", "subscript", "sup", "superscript",
    "title-reference", "title", "t", "index", "exercise", "lesson",
  ]

  let chars: [Character]
  let line: Int
  unowned let parser: BlockParser
  var index = 0
  var output: [Inline] = []
  var buffer = ""
  /// The offsets of the text's line breaks, for the line of a warning in O(log n).
  private let lineBreaks: [Int]
  /// For each end-string searched for, the earliest start from which a search found none. A search
  /// from a later start sees a subset of the same candidates, so it finds none either: without
  /// this, a line of unclosed start-strings (`*a *a *a …`) costs a scan to its end for each.
  private var noEndFrom: [String: Int] = [:]
  /// The last search for a `]`: where it started and what it found.
  private var closingBracket: (from: Int, found: Int?)?
  /// The last search for white space, the same way.
  private var whitespace: (from: Int, found: Int?)?

  init(text: String, line: Int, parser: BlockParser) {
    let chars = Array(text)
    self.chars = chars
    self.line = line
    self.parser = parser
    lineBreaks = chars.indices.filter { chars[$0] == "\n" }
  }

  // MARK: Character classes

  private static let openers: Set<Character> = [
    "-", ":", "/", "'", "\"", "<", "(", "[", "{", "‘", "“", "«", "‹", "—", "–",
  ]
  private static let closers: Set<Character> = [
    "-", ".", ",", ":", ";", "!", "?", "\\", "/", "'", "\"", ")", "]", "}", ">", "’", "”", "»", "›", "—", "–",
  ]
  /// The longest role name looked for (docutils' and Sphinx's are under 30 characters).
  private static let longestRoleName = 64
  private static let pairs: [Character: Character] = ["'": "'", "\"": "\"", "<": ">", "(": ")", "[": "]", "{": "}"]

  private func startAllowed(_ at: Int, length: Int) -> Bool {
    if at > 0 {
      let previous = chars[at - 1]
      guard previous.isWhitespace || Self.openers.contains(previous) else { return false }
    }
    let after = at + length
    guard after < chars.count, !chars[after].isWhitespace else { return false }
    if at > 0, let closer = Self.pairs[chars[at - 1]], chars[after] == closer { return false }
    return true
  }

  private func endAllowed(_ after: Int) -> Bool {
    after >= chars.count || chars[after].isWhitespace || Self.closers.contains(chars[after])
  }

  private func matches(_ string: String, at position: Int) -> Bool {
    var offset = position
    for ch in string {
      guard offset < chars.count, chars[offset] == ch else { return false }
      offset += 1
    }
    return true
  }

  /// The position of an end-string at or after `from`.
  ///
  /// - Complexity: O(n) for the first search of each `marker` that finds none, O(1) for the later
  ///   ones; a search that finds one moves the parser past it.
  private mutating func findEnd(_ marker: String, from: Int, escapes: Bool = true) -> Int? {
    let key = escapes ? marker : "noescape" + marker
    if let failed = noEndFrom[key], from >= failed { return nil }
    let found = scanEnd(marker, from: from, escapes: escapes)
    if found == nil { noEndFrom[key] = Swift.min(from, noEndFrom[key] ?? from) }
    return found
  }

  private func scanEnd(_ marker: String, from: Int, escapes: Bool) -> Int? {
    var position = from
    while position < chars.count {
      if escapes && chars[position] == "\\" {
        position += 2
        continue
      }
      if matches(marker, at: position), position > from, !chars[position - 1].isWhitespace,
        endAllowed(position + marker.count)
      {
        return position
      }
      position += 1
    }
    return nil
  }

  /// The source line of `position`: the first line plus the line breaks before it.
  private func lineAt(_ position: Int) -> Int {
    var low = 0
    var high = lineBreaks.count
    while low < high {
      let middle = (low + high) / 2
      if lineBreaks[middle] < position { low = middle + 1 } else { high = middle }
    }
    return line + low
  }

  private func unescape(_ slice: ArraySlice<Character>) -> String {
    var result = ""
    var iterator = slice.makeIterator()
    while let ch = iterator.next() {
      if ch == "\\" {
        if let next = iterator.next(), !next.isWhitespace { result.append(next) }
      } else {
        result.append(ch)
      }
    }
    return result
  }

  private mutating func flush() {
    if !buffer.isEmpty {
      output.append(.text(buffer))
      buffer = ""
    }
  }

  private mutating func emit(_ inline: Inline) {
    flush()
    output.append(inline)
  }

  private mutating func unclosed(_ what: String, at position: Int, length: Int) {
    parser.report(.warning, "Inline \(what) start-string without end-string.", line: lineAt(position))
    buffer += String(chars[position..<position + length])
    index = position + length
  }

  // MARK: Parsing

  mutating func parse() -> [Inline] {
    while index < chars.count {
      let ch = chars[index]
      switch ch {
      case "\\":
        if index + 1 < chars.count {
          if !chars[index + 1].isWhitespace { buffer.append(chars[index + 1]) }
          index += 2
        } else {
          index += 1
        }
        continue
      case "*" where matches("**", at: index) && startAllowed(index, length: 2):
        if let end = findEnd("**", from: index + 2) {
          emit(.strong([.text(unescape(chars[(index + 2)..<end]))]))
          index = end + 2
        } else {
          unclosed("strong", at: index, length: 2)
        }
        continue
      case "*" where startAllowed(index, length: 1):
        if let end = findEnd("*", from: index + 1) {
          emit(.emphasis([.text(unescape(chars[(index + 1)..<end]))]))
          index = end + 1
        } else {
          unclosed("emphasis", at: index, length: 1)
        }
        continue
      case "`" where matches("``", at: index) && startAllowed(index, length: 2):
        if let end = findEnd("``", from: index + 2, escapes: false) {
          emit(.literal(String(chars[(index + 2)..<end])))
          index = end + 2
        } else {
          unclosed("literal", at: index, length: 2)
        }
        continue
      case "`" where startAllowed(index, length: 1):
        interpreted(role: nil, start: index)
        continue
      case ":" where startAllowed(index, length: 1):
        if rolePrefix() { continue }
      case "|" where startAllowed(index, length: 1):
        if let end = findEnd("|", from: index + 1) ?? findSubstitutionEnd(from: index + 1) {
          let name = unescape(chars[(index + 1)..<end])
          var after = end + 1
          if matches("__", at: after) { after += 2 } else if matches("_", at: after) { after += 1 }
          emit(.substitution(name))
          index = after
        } else {
          unclosed("substitution_reference", at: index, length: 1)
        }
        continue
      case "[" where startAllowed(index, length: 1):
        if footnoteReference() { continue }
      case "_" where matches("_`", at: index) && startAllowed(index, length: 2):
        if let end = findEnd("`", from: index + 2) {
          emit(.text(unescape(chars[(index + 2)..<end])))
          index = end + 1
        } else {
          unclosed("target", at: index, length: 2)
        }
        continue
      case "_":
        if simpleReference() { continue }
      case "h", "f", "m":
        if bareURL() { continue }
      default:
        break
      }
      buffer.append(ch)
      index += 1
    }
    flush()
    return output
  }

  private mutating func findSubstitutionEnd(from: Int) -> Int? {
    for suffix in ["|__", "|_"] {
      let key = "substitution" + suffix
      if let failed = noEndFrom[key], from >= failed { continue }
      var position = from
      while position < chars.count {
        if matches(suffix, at: position), position > from, !chars[position - 1].isWhitespace,
          endAllowed(position + suffix.count)
        {
          return position
        }
        position += 1
      }
      noEndFrom[key] = Swift.min(from, noEndFrom[key] ?? from)
    }
    return nil
  }

  /// `:role:` followed by interpreted text.
  private mutating func rolePrefix() -> Bool {
    var position = index + 1
    // Role names are short: a long run of name characters (`::::…`) is text, scanned once.
    while position < chars.count, position - index <= Self.longestRoleName,
      chars[position].isLetter || chars[position].isNumber || "-_.+:".contains(chars[position])
    {
      position += 1
    }
    guard position < chars.count, chars[position] == "`", chars[position - 1] == ":", position - 1 > index + 1
    else { return false }
    let name = String(chars[(index + 1)..<(position - 1)])
    guard let first = name.first, let last = name.last, first.isLetter || first.isNumber,
      last.isLetter || last.isNumber, !name.contains("::")
    else { return false }
    guard position + 1 < chars.count, !chars[position + 1].isWhitespace else { return false }
    interpreted(role: name, start: position, markupStart: index)
    return true
  }

  /// Interpreted text or a phrase reference starting with the back-quote at `start`.
  private mutating func interpreted(role prefixRole: String?, start: Int, markupStart: Int? = nil) {
    guard let end = findInterpretedEnd(from: start + 1) else {
      parser.report(
        .warning, "Inline interpreted text or phrase reference start-string without end-string.",
        line: lineAt(start))
      let from = markupStart ?? start
      buffer += String(chars[from...start])
      index = start + 1
      return
    }
    let raw = String(chars[(start + 1)..<end])
    var after = end + 1
    if prefixRole == nil, matches("__", at: after), endAllowed(after + 2) {
      emit(reference(raw, anonymous: true))
      index = after + 2
      return
    }
    if prefixRole == nil, matches("_", at: after), endAllowed(after + 1) {
      emit(reference(raw, anonymous: false))
      index = after + 1
      return
    }
    var role = prefixRole
    if role == nil, after < chars.count, chars[after] == ":" {
      var position = after + 1
      while position < chars.count, position - after <= Self.longestRoleName,
        chars[position].isLetter || chars[position].isNumber || "-_.+:".contains(chars[position])
      {
        position += 1
      }
      if position - 1 > after + 1, chars[position - 1] == ":", endAllowed(position) {
        role = String(chars[(after + 1)..<(position - 1)])
        after = position
      }
    }
    emit(roleInline(role ?? "title-reference", raw))
    index = after
  }

  private mutating func findInterpretedEnd(from: Int) -> Int? {
    let key = "interpreted`"
    if let failed = noEndFrom[key], from >= failed { return nil }
    let found = scanInterpretedEnd(from: from)
    if found == nil { noEndFrom[key] = Swift.min(from, noEndFrom[key] ?? from) }
    return found
  }

  private func scanInterpretedEnd(from: Int) -> Int? {
    var position = from
    while position < chars.count {
      if chars[position] == "\\" {
        position += 2
        continue
      }
      if chars[position] == "`", position > from, !chars[position - 1].isWhitespace {
        let after = position + 1
        if endAllowed(after) || matches("_", at: after) || (after < chars.count && chars[after] == ":") {
          return position
        }
      }
      position += 1
    }
    return nil
  }

  /// Splits `text <target>` into the text and the target.
  private func splitEmbedded(_ raw: String) -> (text: String, target: String?) {
    guard raw.hasSuffix(">"), let open = raw.lastIndex(of: "<") else { return (raw, nil) }
    if open != raw.startIndex {
      let before = raw[raw.index(before: open)]
      guard before.isWhitespace else { return (raw, nil) }
    }
    let text = String(raw[..<open]).trimmingTrailingWhitespace
    let target = String(raw[raw.index(after: open)..<raw.index(before: raw.endIndex)])
    return (text, target)
  }

  private func reference(_ raw: String, anonymous: Bool) -> Inline {
    let (text, target) = splitEmbedded(raw)
    guard let target else {
      let shown = unescape(ArraySlice(raw))
      return .reference(text: [.text(shown)], url: nil, name: normalizeName(shown), anonymous: anonymous)
    }
    if target.hasSuffix("_"), !target.hasSuffix("\\_") {
      let name = normalizeName(String(target.dropLast()))
      return .reference(
        text: [.text(text.isEmpty ? name : unescape(ArraySlice(text)))], url: nil, name: name, anonymous: false)
    }
    let url = target.filter { !$0.isWhitespace }.replacingEscapes
    let shown = text.isEmpty ? url : unescape(ArraySlice(text))
    if !anonymous, !text.isEmpty { parser.embeddedTargets[normalizeName(shown)] = url }
    return .reference(text: [.text(shown)], url: url, name: nil, anonymous: anonymous)
  }

  private func roleInline(_ role: String, _ raw: String) -> Inline {
    let name = role.lowercased()
    switch Self.styleRoles[name] {
    case "emphasis": return .emphasis([.text(unescape(ArraySlice(raw)))])
    case "strong": return .strong([.text(unescape(ArraySlice(raw)))])
    case "literal": return .literal(unescape(ArraySlice(raw)))
    default: break
    }
    if !Self.knownRoles.contains(name) && !name.contains(":") && !parser.reportedRoles.contains(name) {
      parser.reportedRoles.insert(name)
      parser.report(.error, "Unknown interpreted text role \"\(role)\".", line: lineAt(index))
    }
    var (text, target) = splitEmbedded(raw)
    text = unescape(ArraySlice(text))
    var shownTarget = target ?? text
    if target == nil {
      if text.hasPrefix("!") { text.removeFirst() }
      shownTarget = text
      if text.hasPrefix("~") {
        text.removeFirst()
        shownTarget = text
        text = String(text.split(separator: ".").last ?? Substring(text))
      }
    }
    if text.isEmpty { text = shownTarget }
    return .role(name: name, text: text, target: shownTarget)
  }

  /// `[label]_`
  private mutating func footnoteReference() -> Bool {
    // The first `]` at or after index: the last search's answer still holds if it started earlier
    // and found none, or found one at or after index.
    let close: Int?
    if let last = closingBracket, last.from <= index, last.found.map({ $0 >= index }) ?? true {
      close = last.found
    } else {
      close = chars[index...].firstIndex(of: "]")
      closingBracket = (index, close)
    }
    guard let close, close > index + 1, matches("]_", at: close),
      endAllowed(close + 2)
    else { return false }
    // The label holds no white space: the first after `[` comes after the `]` (remembered like the `]`).
    let space: Int?
    if let last = whitespace, last.from <= index, last.found.map({ $0 >= index }) ?? true {
      space = last.found
    } else {
      space = chars[index...].firstIndex(where: \.isWhitespace)
      whitespace = (index, space)
    }
    if let space, space < close { return false }
    let label = String(chars[(index + 1)..<close])
    emit(.footnoteReference(label))
    index = close + 2
    return true
  }

  /// `name_` or `name__` after a simple reference name.
  private mutating func simpleReference() -> Bool {
    let anonymous = matches("__", at: index)
    let after = index + (anonymous ? 2 : 1)
    guard endAllowed(after), index > 0 else { return false }
    var start = index
    while start > 0 {
      let ch = chars[start - 1]
      if ch.isLetter || ch.isNumber {
        start -= 1
      } else if "-.+:_".contains(ch), start - 2 >= 0, chars[start - 2].isLetter || chars[start - 2].isNumber {
        start -= 1
      } else {
        break
      }
    }
    guard start < index, chars[start].isLetter || chars[start].isNumber,
      chars[index - 1].isLetter || chars[index - 1].isNumber
    else { return false }
    if start > 0 {
      let previous = chars[start - 1]
      guard previous.isWhitespace || Self.openers.contains(previous) else { return false }
    }
    let name = String(chars[start..<index])
    guard buffer.hasSuffix(name) else { return false }
    buffer.removeLast(name.count)
    emit(.reference(text: [.text(name)], url: nil, name: normalizeName(name), anonymous: anonymous))
    index = after
    return true
  }

  /// A standalone URL (`http://`, `https://`, `ftp://`, `mailto:`).
  private mutating func bareURL() -> Bool {
    guard index == 0 || chars[index - 1].isWhitespace || Self.openers.contains(chars[index - 1]) else { return false }
    guard ["https://", "http://", "ftp://", "mailto:"].contains(where: { matches($0, at: index) }) else { return false }
    var end = index
    while end < chars.count, !chars[end].isWhitespace, !"<>\"`".contains(chars[end]) { end += 1 }
    while end > index, ".,;:!?'\")]}".contains(chars[end - 1]) {
      if chars[end - 1] == ")" && chars[index..<end].contains("(") { break }
      end -= 1
    }
    let url = String(chars[index..<end])
    guard url.count > 8 || url.hasPrefix("mailto:") && url.count > 7 else { return false }
    emit(.reference(text: [.text(url)], url: url, name: nil, anonymous: false))
    index = end
    return true
  }
}

extension String {
  fileprivate var replacingEscapes: String {
    var result = ""
    var escaped = false
    for ch in self {
      if escaped {
        result.append(ch)
        escaped = false
      } else if ch == "\\" {
        escaped = true
      } else {
        result.append(ch)
      }
    }
    return result
  }
}
