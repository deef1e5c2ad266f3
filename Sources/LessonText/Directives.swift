extension BlockParser {
  /// The admonitions docutils knows (and renders framed, titled by their name).
  static let admonitions: Set<String> = [
    "note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error", "seealso",
  ]

  /// Directives that only carry settings for other tools; they are read and dropped without a warning.
  static let silentDirectives: Set<String> = [
    "highlight", "index", "meta", "default-role", "currentmodule", "tabularcolumns",
  ]

  /// Directives whose body is ordinary text in a frame titled by their name or argument.
  static let containerDirectives: Set<String> = [
    "topic", "sidebar", "container", "compound", "epigraph", "highlights", "pull-quote", "rubric", "versionadded",
    "versionchanged", "deprecated", "only",
  ]

  // MARK: Explicit markup

  func explicitMarkup(_ reader: inout LineReader) -> [Node] {
    let line = reader.current
    let body = line.text.dropFirst(2).drop(while: { $0 == " " })
    let bodyColumn = line.text.count - body.count
    if body.isEmpty {
      if reader.next == nil || reader.next!.isBlank {
        reader.advance()
        return [Node(.comment(""), line: line.number, column: line.column)]
      }
    }
    if let directive = directiveName(body) {
      let (block, blankFinish) = reader.readIndented(firstIndent: bodyColumn + directive.end)
      checkExplicitEnd(reader, blankFinish: blankFinish)
      return runDirective(name: directive.name, block: block, line: line)
    }
    if body.hasPrefix("|"), let close = body.dropFirst().firstIndex(of: "|") {
      let name = String(body[body.index(after: body.startIndex)..<close])
      let afterName = body[body.index(after: close)...].drop(while: { $0 == " " })
      let (block, blankFinish) = reader.readIndented(firstIndent: line.text.count - afterName.count)
      checkExplicitEnd(reader, blankFinish: blankFinish)
      if let directive = directiveName(afterName) {
        var rest = block
        if !rest.isEmpty { rest[0] = rest[0].dropping(directive.end) }
        let text = rest.map { String($0.text.trimmingSpaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        switch directive.name {
        case "replace": substitutions[normalizeName(name)] = inlines(text, line: line.number)
        case "unicode", "date": substitutions[normalizeName(name)] = [.text(text)]
        case "image": substitutions[normalizeName(name)] = [.text("[image: \(text)]")]
        default:
          report(.error, "Unknown directive type \"\(directive.name)\".", line: line.number)
        }
      } else {
        report(.error, "Substitution definition \"\(name)\" empty or invalid.", line: line.number)
      }
      return [Node(.substitutionDefinition(name: name), line: line.number, column: line.column)]
    }
    let (block, blankFinish) = reader.readIndented(firstIndent: bodyColumn)
    checkExplicitEnd(reader, blankFinish: blankFinish)
    if body.hasPrefix("["), let close = body.firstIndex(of: "]"),
      body.index(after: close) == body.endIndex || body[body.index(after: close)] == " "
    {
      let label = String(body[body.index(after: body.startIndex)..<close])
      var rest = block
      if !rest.isEmpty {
        rest[0] = rest[0].dropping(label.count + 2).dropping(rest[0].dropping(label.count + 2).indent)
      }
      return [
        Node(
          .footnote(label: label), line: line.number, column: line.column, children: parseBody(rest, sections: false))
      ]
    }
    if body.hasPrefix("_") {
      if let target = parseTarget(block) {
        return [Node(.target(name: target.name, url: target.url), line: line.number, column: line.column)]
      }
      report(.error, "Malformed hyperlink target.", line: line.number)
    }
    return [Node(.comment(verbatim(block)), line: line.number, column: line.column)]
  }

  private func checkExplicitEnd(_ reader: LineReader, blankFinish: Bool) {
    if !blankFinish, !reader.isAtEnd {
      let next = reader.current.text
      // Explicit markup blocks may follow one another without blank lines.
      if (next.hasPrefix("..") && (next.count == 2 || next.dropFirst(2).first == " ")) || next == "__"
        || next.hasPrefix("__ ")
      {
        return
      }
      report(.warning, "Explicit markup ends without a blank line; unexpected unindent.", line: reader.current.number)
    }
  }

  /// `name::` at the start of the text: the name and where the arguments start.
  func directiveName(_ text: Substring) -> (name: String, end: Int)? {
    var name = ""
    var index = text.startIndex
    while index < text.endIndex {
      let ch = text[index]
      if ch.isLetter || ch.isNumber
        || ((ch == "-" || ch == "_" || ch == "." || ch == ":" || ch == "+") && !name.isEmpty)
      {
        if ch == ":" && text[index...].hasPrefix("::") { break }
        name.append(ch)
        index = text.index(after: index)
      } else {
        break
      }
    }
    guard !name.isEmpty, text[index...].hasPrefix("::") else { return nil }
    let after = text[text.index(index, offsetBy: 2)...]
    guard after.isEmpty || after.first == " " else { return nil }
    let spaces = after.prefix(while: { $0 == " " }).count
    return (name.lowercased(), text.distance(from: text.startIndex, to: index) + 2 + spaces)
  }

  /// `_name: url`, `` _`name`: url ``, `__: url` (the text after `.. `).
  private func parseTarget(_ block: [SourceLine]) -> (name: String, url: String?)? {
    let text = block.map { String($0.text.trimmingSpaces) }.joined(separator: "\n")
    var body = Substring(text.dropFirst())
    var name: String
    if body.hasPrefix("_:") || body.hasPrefix("_ :") {
      name = "_"
      body = body.drop(while: { $0 != ":" }).dropFirst()
    } else if body.hasPrefix("`") {
      guard let close = body.dropFirst().firstIndex(of: "`") else { return nil }
      name = String(body[body.index(after: body.startIndex)..<close])
      body = body[body.index(after: close)...]
      guard body.hasPrefix(":") else { return nil }
      body = body.dropFirst()
    } else {
      var chars = ""
      var index = body.startIndex
      var found = false
      while index < body.endIndex {
        let ch = body[index]
        if ch == "\\", body.index(after: index) < body.endIndex {
          chars.append(body[body.index(after: index)])
          index = body.index(index, offsetBy: 2)
          continue
        }
        if ch == ":" {
          let after = body.index(after: index)
          if after == body.endIndex || body[after] == " " || body[after] == "\n" {
            found = true
            break
          }
        }
        chars.append(ch)
        index = body.index(after: index)
      }
      guard found, !chars.isEmpty else { return nil }
      name = chars
      body = body[body.index(after: index)...]
    }
    let url = body.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined()
    return (name, url.isEmpty ? nil : url)
  }

  func anonymousTarget(_ reader: inout LineReader) -> Node {
    let line = reader.current
    let (block, _) = reader.readIndented(firstIndent: 2)
    let url = block.map { String($0.text.trimmingSpaces) }.joined()
    return Node(.target(name: "_", url: url.isEmpty ? nil : url), line: line.number, column: line.column)
  }

  // MARK: Directives

  /// A directive's parts: arguments, options and content.
  struct DirectiveParts {
    var arguments: String
    var options: [Node.Option]
    var content: [SourceLine]
    var contentLine: Int
  }

  /// Splits a directive block into arguments, options and content, the way docutils does.
  func parts(of block: [SourceLine], takesArguments: Bool, line: Int) -> DirectiveParts {
    var index = 0
    var head: [SourceLine] = []
    if let first = block.first, first.isBlank { index = 1 }
    while index < block.count, !block[index].isBlank {
      head.append(block[index])
      index += 1
    }
    while index < block.count, block[index].isBlank { index += 1 }
    var content = Array(block[index...])
    var argumentLines: [SourceLine] = []
    var optionLines: [SourceLine] = []
    for headLine in head {
      if optionLines.isEmpty, fieldMarker(headLine.text.drop(while: { $0 == " " })) == nil {
        argumentLines.append(headLine)
      } else {
        optionLines.append(headLine)
      }
    }
    if !takesArguments && !argumentLines.isEmpty {
      content =
        argumentLines
        + (content.isEmpty ? [] : [SourceLine(text: "", number: argumentLines.last!.number + 1, offset: 0)]) + content
      argumentLines = []
    }
    var options: [Node.Option] = []
    for optionLine in optionLines {
      let text = optionLine.text.drop(while: { $0 == " " })
      if let marker = fieldMarker(text) {
        let value = marker.contentIndent > 0 ? text.dropFirst(marker.contentIndent) : ""
        options.append(Node.Option(name: String(marker.name).lowercased(), value: String(value.trimmingSpaces)))
      } else if !options.isEmpty {
        options[options.count - 1].value += " " + text.trimmingSpaces
      }
    }
    let arguments = argumentLines.map { String($0.text.trimmingSpaces) }.joined(separator: " ")
    return DirectiveParts(
      arguments: arguments, options: options, content: dedentContent(content),
      contentLine: content.first?.number ?? line)
  }

  private func dedentContent(_ lines: [SourceLine]) -> [SourceLine] {
    let indent = lines.filter { !$0.isBlank }.map(\.indent).min() ?? 0
    return lines.map { $0.isBlank ? $0 : $0.dropping(indent) }
  }

  func runDirective(name: String, block: [SourceLine], line: SourceLine) -> [Node] {
    let number = line.number
    let column = line.column
    switch name {
    case "code", "code-block", "sourcecode", "parsed-literal", "math", "doctest", "testcode", "testoutput":
      let parts = parts(of: block, takesArguments: name != "parsed-literal", line: number)
      var language: String? = parts.arguments.isEmpty ? nil : parts.arguments
      if name == "math" { language = "math" }
      if name == "doctest" { language = "pycon" }
      if name == "testcode" { language = "python" }
      if parts.content.isEmpty && name != "math" {
        report(.error, "Content block expected for the \"\(name)\" directive; none found.", line: number)
      }
      var text = verbatim(parts.content)
      if name == "math", text.isEmpty { text = parts.arguments }
      return [Node(.literalBlock(text: text, language: language), line: number, column: column)]
    case _ where Self.admonitions.contains(name):
      let parts = parts(of: block, takesArguments: false, line: number)
      if parts.content.isEmpty {
        report(.error, "Content block expected for the \"\(name)\" directive; none found.", line: number)
      }
      let title = name == "seealso" ? "See also" : name.prefix(1).uppercased() + name.dropFirst()
      return [
        Node(
          .admonition(name: name, title: [.text(title)]), line: number, column: column,
          children: parseBody(parts.content, sections: false))
      ]
    case "admonition":
      let parts = parts(of: block, takesArguments: true, line: number)
      if parts.arguments.isEmpty {
        report(.error, "Error in \"admonition\" directive: 1 argument(s) required, 0 supplied.", line: number)
      }
      return [
        Node(
          .admonition(name: "admonition", title: inlines(parts.arguments, line: number)), line: number, column: column,
          children: parseBody(parts.content, sections: false))
      ]
    case "image", "figure":
      let parts = parts(of: block, takesArguments: true, line: number)
      let uri = parts.arguments.split(separator: " ").joined()
      if uri.isEmpty {
        report(.error, "Error in \"\(name)\" directive: 1 argument(s) required, 0 supplied.", line: number)
      }
      let alt = parts.options.first { $0.name == "alt" }?.value
      if name == "image" {
        if !parts.content.isEmpty {
          report(.error, "Error in \"image\" directive: no content permitted.", line: parts.contentLine)
        }
        return [Node(.image(uri: uri, alt: alt), line: number, column: column)]
      }
      return [
        Node(
          .figure(uri: uri, alt: alt), line: number, column: column, children: parseBody(parts.content, sections: false)
        )
      ]
    case "raw":
      let parts = parts(of: block, takesArguments: true, line: number)
      let format = parts.arguments.lowercased()
      if format.isEmpty {
        report(.error, "Error in \"raw\" directive: 1 argument(s) required, 0 supplied.", line: number)
      }
      let text = verbatim(parts.content)
      if parts.content.isEmpty && !parts.options.contains(where: { $0.name == "file" || $0.name == "url" }) {
        report(.error, "Content block expected for the \"raw\" directive; none found.", line: number)
      }
      var children: [Node] = []
      if format.split(separator: " ").contains("html") {
        let conversion = HTMLText.convert(text, line: parts.contentLine)
        children = conversion.blocks
      }
      return [Node(.raw(format: format, text: text), line: number, column: column, children: children)]
    case "toctree":
      let parts = parts(of: block, takesArguments: false, line: number)
      var entries: [Node.TocEntry] = []
      for entryLine in parts.content where !entryLine.isBlank {
        let text = String(entryLine.text.trimmingSpaces)
        if text.hasSuffix(">"), let open = text.lastIndex(of: "<") {
          let title = String(text[..<open]).trimmingTrailingWhitespace
          let target = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
          entries.append(Node.TocEntry(title: title.isEmpty ? nil : title, target: target))
        } else {
          entries.append(Node.TocEntry(title: nil, target: text))
        }
      }
      let caption = parts.options.first { $0.name == "caption" }?.value
      return [Node(.toctree(caption: caption, entries: entries), line: number, column: column)]
    case "list-table":
      return [listTable(block, line: line)]
    case "course-hint":
      let parts = parts(of: block, takesArguments: true, line: number)
      hintCount += 1
      var title: [Inline] = [.text("Hint \(hintCount)")]
      if !parts.arguments.isEmpty { title += [.text(": ")] + inlines(parts.arguments, line: number) }
      var hint = Node(
        .collapsible(title: title, role: .hint(number: hintCount)), line: number, column: column,
        children: parseBody(parts.content, sections: false))
      // `:frame:` and `:line:` point the course's explorer and lesson pane (WorkshopKit's HintTarget).
      hint.options = parts.options
      return [hint]
    case "solution":
      let parts = parts(of: block, takesArguments: true, line: number)
      let title = parts.arguments.isEmpty ? [Inline.text("Solution")] : inlines(parts.arguments, line: number)
      return [
        Node(
          .collapsible(title: title, role: .solution), line: number, column: column,
          children: parseBody(parts.content, sections: false))
      ]
    case "exercise":
      let parts = parts(of: block, takesArguments: true, line: number)
      let exercise = parts.arguments.split(separator: " ").first.map(String.init) ?? ""
      if exercise.isEmpty {
        report(.error, "Error in \"exercise\" directive: 1 argument(s) required, 0 supplied.", line: number)
      } else if let existing = exerciseName, existing != exercise {
        report(
          .warning, "The lesson already declares exercise \"\(existing)\"; \"\(exercise)\" is ignored.", line: number)
      } else {
        exerciseName = exercise
      }
      return [
        Node(
          .exercise(name: exercise), line: number, column: column, children: parseBody(parts.content, sections: false))
      ]
    case _ where Self.silentDirectives.contains(name):
      return []
    case _ where Self.containerDirectives.contains(name):
      let parts = parts(of: block, takesArguments: true, line: number)
      let title =
        parts.arguments.isEmpty
        ? [Inline.text(name.prefix(1).uppercased() + name.dropFirst())] : inlines(parts.arguments, line: number)
      return [
        Node(
          .admonition(name: name, title: title), line: number, column: column,
          children: parseBody(parts.content, sections: false))
      ]
    default:
      let parts = parts(of: block, takesArguments: true, line: number)
      if !reportedDirectives.contains(name) {
        reportedDirectives.insert(name)
        report(.error, "Unknown directive type \"\(name)\".", line: number)
      }
      return [
        Node(
          .directive(name: name, arguments: parts.arguments, options: parts.options, content: verbatim(parts.content)),
          line: number, column: column)
      ]
    }
  }
}

/// Reference names are compared lower-cased with white space collapsed, as docutils does.
func normalizeName(_ name: String) -> String {
  name.lowercased().split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
}
