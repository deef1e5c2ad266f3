/// Inline markup inside a paragraph, title, term or cell.
public indirect enum Inline: Sendable, Equatable {
  /// Plain text, escapes resolved.
  case text(String)
  /// `*emphasis*`.
  case emphasis([Inline])
  /// `**strong**`.
  case strong([Inline])
  /// ``` ``literal`` ``` or the `:code:`/`:literal:` roles.
  case literal(String)
  /// Interpreted text with a role (`:doc:`, `:ref:`, `:func:`, …): the text shown and the target kept.
  case role(name: String, text: String, target: String)
  /// A hyperlink reference. `url` is filled in once targets are resolved; `name` is the reference name
  /// (nil for embedded URIs and bare URLs); `anonymous` for `__` references.
  case reference(text: [Inline], url: String?, name: String?, anonymous: Bool)
  /// A footnote or citation reference (`[1]_`, `[#]_`, `[CIT]_`).
  case footnoteReference(String)
  /// A substitution reference (`|name|`), replaced when the definition is known.
  case substitution(String)
  /// A hard line break (from HTML `<br>`).
  case lineBreak
}

extension Inline {
  /// The text as displayed: markup resolved, nothing added.
  public var plainText: String {
    switch self {
    case .text(let s), .literal(let s): s
    case .emphasis(let c), .strong(let c): c.plainText
    case .role(_, let text, _): text
    case .reference(let text, _, _, _): text.plainText
    case .footnoteReference(let label): "[\(label)]"
    case .substitution(let name): "|\(name)|"
    case .lineBreak: "\n"
    }
  }
}

extension Array where Element == Inline {
  /// The text as displayed: markup resolved, nothing added.
  public var plainText: String { map(\.plainText).joined() }

  /// The text as displayed with runs of white space collapsed to one space; `<br>` line breaks are kept
  /// as `\n`.
  public var collapsedText: String {
    var out = ""
    var pendingSpace = false
    for ch in map(\.breakMarkedText).joined() {
      if ch == "\u{2028}" {
        out.append("\n")
        pendingSpace = false
      } else if ch.isWhitespace {
        pendingSpace = !out.isEmpty && out.last != "\n"
      } else {
        if pendingSpace { out.append(" ") }
        pendingSpace = false
        out.append(ch)
      }
    }
    return out
  }
}

extension Inline {
  fileprivate var breakMarkedText: String {
    switch self {
    case .lineBreak: "\u{2028}"
    case .emphasis(let c), .strong(let c): c.map(\.breakMarkedText).joined()
    case .reference(let text, _, _, _): text.map(\.breakMarkedText).joined()
    default: plainText
    }
  }
}
