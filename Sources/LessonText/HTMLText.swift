/// Turns raw HTML into blocks to show as text: tags stripped, `<pre>` and `<code>` verbatim, `<br>` as a
/// line break, entities decoded, and `<details>` with `<summary>` as collapsible blocks.
enum HTMLText {
  /// A `<details>` element still open at the end of the HTML.
  struct OpenDetails {
    var title: [Inline]
    var blocks: [Node]
    var line: Int
  }

  /// The result of converting one piece of HTML.
  struct Conversion {
    /// The blocks outside any unclosed `<details>`.
    var blocks: [Node]
    /// `<details>` elements opened and not closed, outermost first.
    var unclosed: [OpenDetails]
    /// `</details>` tags that closed nothing.
    var strayCloses: Int
  }

  private struct Container {
    var tag: String
    var href: String?
    var inlines: [Inline] = []
  }

  private struct State {
    var frames: [OpenDetails]
    var containers: [Container] = [Container(tag: "")]
    var paragraphLine: Int
    var strayCloses = 0

    mutating func append(_ inline: Inline) {
      containers[containers.count - 1].inlines.append(inline)
    }

    mutating func flushParagraph(line: Int) {
      while containers.count > 1 {
        let inner = containers.removeLast()
        containers[containers.count - 1].inlines += inner.inlines
      }
      var inlines = containers[0].inlines
      containers[0].inlines = []
      while let first = inlines.first, first.isBlankInline { inlines.removeFirst() }
      while let last = inlines.last, last.isBlankInline { inlines.removeLast() }
      if !inlines.isEmpty {
        frames[frames.count - 1].blocks.append(Node(.paragraph(inlines), line: paragraphLine))
      }
      paragraphLine = line
    }
  }

  static let blockTags: Set<String> = [
    "p", "div", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td", "th", "blockquote", "hr",
    "dl", "dt", "dd", "section", "article", "header", "footer", "nav", "figure", "figcaption", "center",
  ]

  static func convert(_ html: String, line: Int) -> Conversion {
    let chars = Array(html)
    var state = State(frames: [OpenDetails(title: [], blocks: [], line: line)], paragraphLine: line)
    var index = 0
    var currentLine = line
    var text = ""

    func lineAt(_ position: Int) -> Int { currentLine }

    func flushText(_ state: inout State) {
      if !text.isEmpty {
        state.append(.text(decodeEntities(text)))
        text = ""
      }
    }

    while index < chars.count {
      let ch = chars[index]
      if ch == "\n" { currentLine += 1 }
      guard ch == "<" else {
        text.append(ch)
        index += 1
        continue
      }
      if matches(chars, "<!--", at: index) {
        let end = find(chars, "-->", from: index + 4) ?? chars.count
        currentLine += chars[index..<end].filter { $0 == "\n" }.count
        index = Swift.min(chars.count, end + 3)
        continue
      }
      guard let tag = parseTag(chars, at: index) else {
        text.append(ch)
        index += 1
        continue
      }
      flushText(&state)
      currentLine += chars[index..<tag.end].filter { $0 == "\n" }.count
      index = tag.end
      switch (tag.name, tag.closing) {
      case ("br", _):
        // Two line breaks in a row end the paragraph.
        if state.containers.count == 1,
          let last = state.containers[0].inlines.last(where: {
            if case .text(let t) = $0 { !t.allSatisfy(\.isWhitespace) } else { true }
          }), case .lineBreak = last
        {
          while let tail = state.containers[0].inlines.last, tail.isBlankInline {
            state.containers[0].inlines.removeLast()
          }
          state.flushParagraph(line: currentLine)
        } else {
          state.append(.lineBreak)
        }
      case ("pre", false), ("code", false), ("script", false), ("style", false), ("textarea", false):
        let close = find(chars, "</\(tag.name)", from: index, caseInsensitive: true) ?? chars.count
        let body = String(chars[index..<close])
        let startLine = currentLine
        currentLine += body.filter { $0 == "\n" }.count
        let afterClose =
          close < chars.count ? (chars[close...].firstIndex(of: ">").map { $0 + 1 } ?? chars.count) : close
        index = afterClose
        let content = decodeEntities(stripTags(body))
        switch tag.name {
        case "pre":
          state.flushParagraph(line: startLine)
          state.frames[state.frames.count - 1].blocks.append(
            Node(.literalBlock(text: verbatimBlock(content), language: nil), line: startLine))
          state.paragraphLine = currentLine
        case "code":
          state.append(.literal(content.split(whereSeparator: \.isWhitespace).joined(separator: " ")))
        default:
          break
        }
      case ("details", false):
        state.flushParagraph(line: currentLine)
        state.frames.append(OpenDetails(title: [], blocks: [], line: currentLine))
      case ("details", true):
        state.flushParagraph(line: currentLine)
        if state.frames.count > 1 {
          let frame = state.frames.removeLast()
          let title = frame.title.isEmpty ? [Inline.text("Details")] : frame.title
          state.frames[state.frames.count - 1].blocks.append(
            Node(.collapsible(title: title, role: .details), line: frame.line, children: frame.blocks))
        } else {
          state.strayCloses += 1
        }
      case ("summary", false):
        state.containers.append(Container(tag: "summary"))
      case ("summary", true):
        if let position = state.containers.lastIndex(where: { $0.tag == "summary" }), position > 0 {
          var inlines: [Inline] = []
          while state.containers.count > position { inlines = state.containers.removeLast().inlines + inlines }
          while let first = inlines.first, first.isBlankInline { inlines.removeFirst() }
          while let last = inlines.last, last.isBlankInline { inlines.removeLast() }
          state.frames[state.frames.count - 1].title = inlines
          state.paragraphLine = currentLine
        }
      case ("i", false), ("em", false), ("b", false), ("strong", false), ("a", false), ("tt", false), ("kbd", false):
        state.containers.append(Container(tag: tag.name, href: tag.href))
      case ("i", true), ("em", true), ("b", true), ("strong", true), ("a", true), ("tt", true), ("kbd", true):
        guard let position = state.containers.lastIndex(where: { $0.tag == tag.name }), position > 0 else { break }
        while state.containers.count > position + 1 {
          let inner = state.containers.removeLast()
          state.containers[state.containers.count - 1].inlines += inner.inlines
        }
        let container = state.containers.removeLast()
        switch tag.name {
        case "i", "em": state.append(.emphasis(container.inlines))
        case "b", "strong": state.append(.strong(container.inlines))
        case "tt", "kbd": state.append(.literal(container.inlines.plainText))
        default:
          state.append(.reference(text: container.inlines, url: container.href, name: nil, anonymous: false))
        }
      case (let name, _) where blockTags.contains(name):
        state.flushParagraph(line: currentLine)
        if name == "li" && !tag.closing { state.append(.text("• ")) }
      default:
        break
      }
    }
    flushText(&state)
    state.flushParagraph(line: currentLine)
    return Conversion(
      blocks: state.frames[0].blocks, unclosed: Array(state.frames.dropFirst()), strayCloses: state.strayCloses)
  }

  private struct Tag {
    var name: String
    var closing: Bool
    var href: String?
    var end: Int
  }

  private static func parseTag(_ chars: [Character], at start: Int) -> Tag? {
    var index = start + 1
    var closing = false
    if index < chars.count, chars[index] == "/" {
      closing = true
      index += 1
    }
    guard index < chars.count, chars[index].isASCII, chars[index].isLetter else { return nil }
    var name = ""
    while index < chars.count, chars[index].isASCII, chars[index].isLetter || chars[index].isNumber {
      name.append(chars[index])
      index += 1
    }
    var quote: Character?
    let attributesStart = index
    while index < chars.count {
      let ch = chars[index]
      if let q = quote {
        if ch == q { quote = nil }
      } else if ch == "\"" || ch == "'" {
        quote = ch
      } else if ch == ">" {
        break
      } else if ch == "<" {
        return nil
      }
      index += 1
    }
    guard index < chars.count else { return nil }
    let attributes = String(chars[attributesStart..<index])
    return Tag(name: name.lowercased(), closing: closing, href: attribute("href", in: attributes), end: index + 1)
  }

  private static func attribute(_ name: String, in attributes: String) -> String? {
    let chars = Array(attributes)
    let key = Array(name)
    var index = 0
    while index + key.count < chars.count {
      if Array(chars[index..<index + key.count]).map({ Character($0.lowercased()) }) == key,
        index == 0 || chars[index - 1].isWhitespace
      {
        var position = index + key.count
        while position < chars.count, chars[position] == " " { position += 1 }
        guard position < chars.count, chars[position] == "=" else { return nil }
        position += 1
        while position < chars.count, chars[position] == " " { position += 1 }
        guard position < chars.count else { return nil }
        if chars[position] == "\"" || chars[position] == "'" {
          let quote = chars[position]
          let end = chars[(position + 1)...].firstIndex(of: quote) ?? chars.count
          return decodeEntities(String(chars[(position + 1)..<end]))
        }
        let end = chars[position...].firstIndex(where: \.isWhitespace) ?? chars.count
        return decodeEntities(String(chars[position..<end]))
      }
      index += 1
    }
    return nil
  }

  private static func matches(_ chars: [Character], _ string: String, at index: Int, caseInsensitive: Bool = false)
    -> Bool
  {
    var position = index
    for ch in string {
      guard position < chars.count else { return false }
      let actual = chars[position]
      if caseInsensitive ? actual.lowercased() != ch.lowercased() : actual != ch { return false }
      position += 1
    }
    return true
  }

  private static func find(_ chars: [Character], _ string: String, from: Int, caseInsensitive: Bool = false) -> Int? {
    var index = from
    while index < chars.count {
      if matches(chars, string, at: index, caseInsensitive: caseInsensitive) { return index }
      index += 1
    }
    return nil
  }

  /// Removes tags, keeping the text between them.
  static func stripTags(_ html: String) -> String {
    let chars = Array(html)
    var result = ""
    var index = 0
    while index < chars.count {
      if chars[index] == "<", let tag = parseTag(chars, at: index) {
        if tag.name == "br" { result.append("\n") }
        index = tag.end
      } else {
        result.append(chars[index])
        index += 1
      }
    }
    return result
  }

  /// Verbatim text from `<pre>`: the first and last blank lines dropped, common indentation removed.
  private static func verbatimBlock(_ text: String) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      String($0).trimmingTrailingWhitespace
    }
    while let first = lines.first, first.isEmpty { lines.removeFirst() }
    while let last = lines.last, last.isEmpty { lines.removeLast() }
    let indent = lines.filter { !$0.isEmpty }.map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
    return lines.map { $0.isEmpty ? $0 : String($0.dropFirst(indent)) }.joined(separator: "\n")
  }

  private static let entities: [String: String] = [
    "lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "mdash": "—", "ndash": "–",
    "hellip": "…", "copy": "©", "reg": "®", "trade": "™", "laquo": "«", "raquo": "»", "lsquo": "‘", "rsquo": "’",
    "ldquo": "“", "rdquo": "”", "times": "×", "middot": "·", "bull": "•", "rarr": "→", "larr": "←", "deg": "°",
  ]

  /// Decodes named and numeric character references.
  static func decodeEntities(_ text: String) -> String {
    guard text.contains("&") else { return text }
    var result = ""
    var rest = Substring(text)
    while let amp = rest.firstIndex(of: "&") {
      result += rest[..<amp]
      let after = rest[rest.index(after: amp)...]
      if let semi = after.prefix(12).firstIndex(of: ";") {
        let name = String(after[..<semi])
        var decoded: String?
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
          decoded = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
        } else if name.hasPrefix("#") {
          decoded = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
        } else {
          decoded = entities[name]
        }
        if let decoded {
          result += decoded
          rest = after[after.index(after: semi)...]
          continue
        }
      }
      result += "&"
      rest = after
    }
    result += rest
    return result
  }
}

extension Inline {
  var isBlankInline: Bool {
    switch self {
    case .lineBreak: true
    case .text(let text): text.allSatisfy(\.isWhitespace)
    default: false
    }
  }
}

extension BlockParser {
  /// Folds raw HTML `<details>` … `</details>` pairs split across raw blocks (with ordinary text between)
  /// into collapsible blocks.
  func groupDetails(_ nodes: [Node]) -> [Node] {
    guard nodes.contains(where: { $0.isRawHTML }) else { return nodes }
    var result: [Node] = []
    var index = 0
    while index < nodes.count {
      let node = nodes[index]
      index += 1
      guard node.isRawHTML, case .raw(_, let text) = node.kind else {
        result.append(node)
        continue
      }
      let conversion = HTMLText.convert(text, line: node.line)
      if conversion.strayCloses > 0 && conversion.unclosed.isEmpty {
        report(.warning, "Raw HTML </details> closes nothing.", line: node.line)
      }
      guard let open = conversion.unclosed.first else {
        result.append(node)
        continue
      }
      if !conversion.blocks.isEmpty {
        var kept = node
        kept.children = conversion.blocks
        result.append(kept)
      }
      var depth = conversion.unclosed.count
      var inner: [Node] = []
      var closed = false
      while index < nodes.count {
        let candidate = nodes[index]
        index += 1
        if candidate.isRawHTML, case .raw(_, let candidateText) = candidate.kind {
          let inside = HTMLText.convert(candidateText, line: candidate.line)
          depth += inside.unclosed.count - inside.strayCloses
          if depth <= 0 {
            closed = true
            if !inside.blocks.isEmpty && inside.unclosed.isEmpty {
              // Text after the closing tag stays outside the collapsible block.
              var kept = candidate
              kept.children = inside.blocks
              inner.append(contentsOf: [])
              result.append(
                Node(
                  .collapsible(title: titleOf(open), role: .details), line: node.line, column: node.column,
                  children: open.blocks + groupDetails(inner)))
              result.append(kept)
              inner = []
              break
            }
            result.append(
              Node(
                .collapsible(title: titleOf(open), role: .details), line: node.line, column: node.column,
                children: open.blocks + groupDetails(inner)))
            inner = []
            break
          }
        }
        inner.append(candidate)
      }
      if !closed {
        report(.warning, "Raw HTML <details> is not closed before the end of the section.", line: node.line)
        result.append(
          Node(
            .collapsible(title: titleOf(open), role: .details), line: node.line, column: node.column,
            children: open.blocks + groupDetails(inner)))
      }
    }
    return result
  }

  private func titleOf(_ open: HTMLText.OpenDetails) -> [Inline] {
    open.title.isEmpty ? [.text("Details")] : open.title
  }
}

extension Node {
  var isRawHTML: Bool {
    if case .raw(let format, _) = kind { return format.split(separator: " ").contains("html") }
    return false
  }
}
