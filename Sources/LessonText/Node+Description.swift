extension Node: CustomDebugStringConvertible {
  /// The node's kind name as used in the JSON output (`section`, `literal_block`, …).
  public var kindName: String {
    switch kind {
    case .document: "document"
    case .section: "section"
    case .paragraph: "paragraph"
    case .bulletList: "bullet_list"
    case .enumeratedList: "enumerated_list"
    case .listItem: "list_item"
    case .definitionList: "definition_list"
    case .definitionListItem: "definition_list_item"
    case .fieldList: "field_list"
    case .field: "field"
    case .blockQuote: "block_quote"
    case .literalBlock: "literal_block"
    case .transition: "transition"
    case .comment: "comment"
    case .target: "target"
    case .substitutionDefinition: "substitution_definition"
    case .footnote: "footnote"
    case .admonition: "admonition"
    case .image: "image"
    case .figure: "figure"
    case .collapsible: "collapsible"
    case .raw: "raw"
    case .toctree: "toctree"
    case .table: "table"
    case .tableRow: "row"
    case .tableCell: "cell"
    case .exercise: "exercise"
    case .directive: "directive"
    }
  }

  /// The node's own data as ordered key/value pairs (strings, numbers, booleans, lists), as in the JSON output.
  public var attributes: [(key: String, value: AttributeValue)] {
    switch kind {
    case .document, .listItem, .definitionList, .fieldList, .blockQuote, .transition: []
    case .section(let title, let level): [("title", .string(title.collapsedText)), ("level", .int(level))]
    case .paragraph(let inlines): [("text", .string(inlines.collapsedText))]
    case .bulletList(let bullet): [("bullet", .string(String(bullet)))]
    case .enumeratedList(let enumeration, let format, let start):
      [("enumeration", .string(enumeration.rawValue)), ("format", .string(format.rawValue)), ("start", .int(start))]
    case .definitionListItem(let term, let classifiers):
      [("term", .string(term.collapsedText))]
        + (classifiers.isEmpty ? [] : [("classifiers", .list(classifiers.map { .string($0.collapsedText) }))])
    case .field(let name): [("name", .string(name.collapsedText))]
    case .literalBlock(let text, let language):
      [("text", .string(text)), ("language", language.map { .string($0) } ?? .null)]
    case .comment(let text): [("text", .string(text))]
    case .target(let name, let url): [("name", .string(name)), ("url", url.map { .string($0) } ?? .null)]
    case .substitutionDefinition(let name): [("name", .string(name))]
    case .footnote(let label): [("label", .string(label))]
    case .admonition(let name, let title): [("name", .string(name)), ("title", .string(title.collapsedText))]
    case .image(let uri, let alt), .figure(let uri, let alt):
      [("uri", .string(uri))] + (alt.map { [("alt", .string($0))] } ?? [])
    case .collapsible(let title, let role):
      switch role {
      case .hint(let number):
        [("title", .string(title.collapsedText)), ("role", .string("hint")), ("number", .int(number))]
      case .solution: [("title", .string(title.collapsedText)), ("role", .string("solution"))]
      case .details: [("title", .string(title.collapsedText)), ("role", .string("details"))]
      }
    case .raw(let format, let text): [("format", .string(format)), ("text", .string(text))]
    case .toctree(let caption, let entries):
      (caption.map { [("caption", .string($0))] } ?? [])
        + [("entries", .list(entries.map { .list([$0.title.map { .string($0) } ?? .null, .string($0.target)]) }))]
    case .table(let title): title.isEmpty ? [] : [("title", .string(title.collapsedText))]
    case .tableRow(let header): [("header", .bool(header))]
    case .tableCell(let columns, let rows):
      (columns == 1 ? [] : [("span", .int(columns))]) + (rows == 1 ? [] : [("rowspan", .int(rows))])
    case .exercise(let name): [("name", .string(name))]
    case .directive(let name, let arguments, let options, let content):
      [
        ("name", .string(name)), ("arguments", .string(arguments)),
        ("options", .list(options.map { .list([.string($0.name), .string($0.value)]) })), ("content", .string(content)),
      ]
    }
  }

  /// An indented dump of the tree, one node a line with its position, data and inline markup, in the
  /// manner of swift-markdown's `debugDescription`.
  public var debugDescription: String {
    var lines: [String] = []
    dump(into: &lines, prefix: "", childPrefix: "")
    return lines.joined(separator: "\n")
  }

  private var inlineContent: [Inline] {
    switch kind {
    case .paragraph(let inlines): inlines
    case .section(let title, _): title
    case .definitionListItem(let term, _): term
    case .field(let name): name
    case .collapsible(let title, _): title
    default: []
    }
  }

  private func dump(into lines: inout [String], prefix: String, childPrefix: String) {
    var head = "\(kindName) @\(line):\(column)"
    for (key, value) in attributes where !(key == "text" && { if case .paragraph = kind { true } else { false } }()) {
      if key == "title" && !inlineContent.isEmpty { continue }
      head += " \(key)=\(value.debugDescription)"
    }
    lines.append(prefix + head)
    var entries: [(String, (inout [String], String, String) -> Void)] = []
    for inline in inlineContent {
      entries.append(("", { inline.dump(into: &$0, prefix: $1, childPrefix: $2) }))
    }
    for child in children {
      entries.append(("", { child.dump(into: &$0, prefix: $1, childPrefix: $2) }))
    }
    for (index, entry) in entries.enumerated() {
      let last = index == entries.count - 1
      entry.1(&lines, childPrefix + (last ? "└─ " : "├─ "), childPrefix + (last ? "   " : "│  "))
    }
  }
}

extension Inline {
  fileprivate func dump(into lines: inout [String], prefix: String, childPrefix: String) {
    var children: [Inline] = []
    switch self {
    case .text(let text): lines.append(prefix + "Text \(AttributeValue.string(text).debugDescription)")
    case .emphasis(let inner):
      lines.append(prefix + "Emphasis")
      children = inner
    case .strong(let inner):
      lines.append(prefix + "Strong")
      children = inner
    case .literal(let text): lines.append(prefix + "Literal \(AttributeValue.string(text).debugDescription)")
    case .role(let name, let text, let target):
      lines.append(
        prefix
          + "Role \(name) text=\(AttributeValue.string(text).debugDescription) target=\(AttributeValue.string(target).debugDescription)"
      )
    case .reference(let text, let url, let name, let anonymous):
      var head = prefix + "Reference"
      if anonymous { head += " anonymous" }
      if let name { head += " name=\(AttributeValue.string(name).debugDescription)" }
      head += " url=\(url.map { AttributeValue.string($0).debugDescription } ?? "nil")"
      lines.append(head)
      children = text
    case .footnoteReference(let label): lines.append(prefix + "FootnoteReference \(label)")
    case .substitution(let name): lines.append(prefix + "Substitution \(name)")
    case .lineBreak: lines.append(prefix + "LineBreak")
    }
    for (index, child) in children.enumerated() {
      let last = index == children.count - 1
      child.dump(
        into: &lines, prefix: childPrefix + (last ? "└─ " : "├─ "), childPrefix: childPrefix + (last ? "   " : "│  "))
    }
  }
}

/// A value in a node's data: what the JSON output and the tree dump show.
public indirect enum AttributeValue: Sendable, Equatable, CustomDebugStringConvertible {
  /// A string.
  case string(String)
  /// An integer.
  case int(Int)
  /// A boolean.
  case bool(Bool)
  /// A list.
  case list([AttributeValue])
  /// No value.
  case null

  /// The value as JSON.
  public var json: String {
    switch self {
    case .string(let s): jsonString(s)
    case .int(let n): String(n)
    case .bool(let b): b ? "true" : "false"
    case .list(let items): "[" + items.map(\.json).joined(separator: ", ") + "]"
    case .null: "null"
    }
  }

  /// The value as JSON (strings quoted and escaped).
  public var debugDescription: String { json }
}

/// A JSON string literal.
func jsonString(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if scalar.value < 0x20 || scalar.value == 0x7F {
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}

extension LessonDocument {
  /// The tree as JSON for tools: every node an object with `kind`, `line`, `column`, its data and
  /// `children` (when it has any); the document also has `file`, `title`, `exercise` and `warnings`.
  /// See docs/lesson-json.md.
  public func json(pretty: Bool = true) -> String {
    var out = ""
    write(root, into: &out, indent: 0, pretty: pretty, top: true)
    return out
  }

  private func write(_ node: Node, into out: inout String, indent: Int, pretty: Bool, top: Bool) {
    let pad = pretty ? String(repeating: "  ", count: indent + 1) : ""
    let close = pretty ? String(repeating: "  ", count: indent) : ""
    let newline = pretty ? "\n" : ""
    let space = pretty ? " " : ""
    var fields: [String] = [
      "\"kind\":\(space)\(jsonString(node.kindName))", "\"line\":\(space)\(node.line)",
      "\"column\":\(space)\(node.column)",
    ]
    if top {
      fields.append("\"file\":\(space)\(jsonString(file))")
      fields.append("\"title\":\(space)\(title.map(jsonString) ?? "null")")
      fields.append("\"exercise\":\(space)\(exercise.map(jsonString) ?? "null")")
    }
    for (key, value) in node.attributes { fields.append("\(jsonString(key)):\(space)\(value.json)") }
    var text = "{" + newline + pad + fields.joined(separator: "," + newline + pad)
    out += text
    text = ""
    if !node.children.isEmpty {
      out += "," + newline + pad + "\"children\":\(space)[" + newline
      for (index, child) in node.children.enumerated() {
        out += pretty ? String(repeating: "  ", count: indent + 2) : ""
        write(child, into: &out, indent: indent + 2, pretty: pretty, top: false)
        out += (index == node.children.count - 1 ? "" : ",") + newline
      }
      out += pad + "]"
    }
    if top {
      out += "," + newline + pad + "\"warnings\":\(space)[" + newline
      for (index, diagnostic) in diagnostics.enumerated() {
        let item = pretty ? String(repeating: "  ", count: indent + 2) : ""
        out +=
          item + "{\"file\":\(space)\(jsonString(diagnostic.file)),\(space)\"line\":\(space)\(diagnostic.line),\(space)"
        out += "\"severity\":\(space)\(jsonString(diagnostic.severity.description.lowercased())),\(space)"
        out +=
          "\"level\":\(space)\(diagnostic.severity.rawValue),\(space)\"message\":\(space)\(jsonString(diagnostic.message))}"
        out += (index == diagnostics.count - 1 ? "" : ",") + newline
      }
      out += pad + "]"
    }
    out += newline + close + "}"
  }
}
