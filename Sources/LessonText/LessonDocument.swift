/// A lesson read from reStructuredText-lite source: its tree and what the reader had to say about it.
///
/// Reading never fails: mistakes in the source become ``diagnostics`` and the rest is still read.
public struct LessonDocument: Sendable {
  /// The document tree; the root's kind is ``Node/Kind/document``.
  public var root: Node
  /// Warnings and errors about the source, in source order.
  public var diagnostics: [Diagnostic]
  /// The file name used in diagnostics.
  public var file: String
  /// The exercise the lesson declares with `.. exercise:: NAME`, if any.
  public var exercise: String?

  /// The most source read: a lesson is tens of kilobytes, and a file past this is cut at the last
  /// line break before it, with an error that says so.
  public static let maximumSourceBytes = 4 << 20

  /// Reads `source`; `file` names it in diagnostics.
  ///
  /// - Complexity: O(n) for n bytes of source, for any inline markup (open or closed) and any
  ///   nesting: blocks nested deeper than 64 are shown verbatim with an error.
  public init(parsing source: String, file: String = "<string>") {
    let parser = BlockParser(file: file)
    var text = Substring(source)
    if source.utf8.count > Self.maximumSourceBytes {
      let bound = source.utf8.index(source.startIndex, offsetBy: Self.maximumSourceBytes)
      let end = source[..<bound].lastIndex(of: "\n") ?? bound
      text = source[..<end]
    }
    let lines = sourceLines(String(text))
    let children = parser.parseBody(lines, sections: true)
    if text.endIndex != source.endIndex {
      let megabytes = Double(source.utf8.count) / 1_048_576
      parser.report(
        .error,
        "The file holds \((megabytes * 10).rounded() / 10) MiB: only its first \(Self.maximumSourceBytes >> 20) MiB (\(lines.count) lines) are read.",
        line: lines.count + 1)
    }
    var root = Node(.document, line: 1, children: children)
    var resolver = Resolver(parser: parser)
    resolver.resolve(&root)
    self.root = root
    self.file = file
    self.exercise = parser.exerciseName
    self.diagnostics = parser.diagnostics.enumerated().sorted {
      ($0.element.line, $0.offset) < ($1.element.line, $1.offset)
    }.map(\.element)
  }

  /// The title: the text of the first section title, if any.
  public var title: String? {
    func find(_ node: Node) -> String? {
      if case .section(let title, _) = node.kind { return title.collapsedText }
      for child in node.children {
        if case .section = child.kind { return find(child) }
      }
      return nil
    }
    return find(root)
  }
}

/// Resolves references to targets and substitutions once the whole document is read.
private struct Resolver {
  let parser: BlockParser
  var named: [String: String?] = [:]
  var anonymous: [String?] = []
  var anonymousUsed = 0
  var anonymousReferences = 0

  init(parser: BlockParser) { self.parser = parser }

  mutating func resolve(_ root: inout Node) {
    collect(root)
    for (name, url) in parser.embeddedTargets where named[name] == nil { named[name] = .some(url) }
    map(&root)
    if anonymousReferences != anonymous.count && anonymousReferences > 0 {
      parser.report(
        .error,
        "Anonymous hyperlink mismatch: \(anonymousReferences) references but \(anonymous.count) targets.",
        line: 1)
    }
  }

  private mutating func collect(_ node: Node) {
    switch node.kind {
    case .target(let name, let url):
      if name == "_" {
        anonymous.append(url)
      } else {
        let key = normalizeName(name)
        if named[key] != nil, named[key]! != url {
          parser.report(.warning, "Duplicate explicit target name: \"\(name)\".", line: node.line)
        }
        named[key] = .some(url)
      }
    case .section(let title, _):
      let key = normalizeName(title.plainText)
      if named[key] == nil { named[key] = .some(nil) }
    default:
      break
    }
    for child in node.children { collect(child) }
  }

  private mutating func map(_ node: inout Node) {
    let line = node.line
    switch node.kind {
    case .paragraph(let inlines): node.kind = .paragraph(map(inlines, line: line))
    case .section(let title, let level): node.kind = .section(title: map(title, line: line), level: level)
    case .definitionListItem(let term, let classifiers):
      node.kind = .definitionListItem(term: map(term, line: line), classifiers: classifiers.map { map($0, line: line) })
    case .field(let name): node.kind = .field(name: map(name, line: line))
    case .admonition(let name, let title): node.kind = .admonition(name: name, title: map(title, line: line))
    case .collapsible(let title, let role): node.kind = .collapsible(title: map(title, line: line), role: role)
    case .table(let title): node.kind = .table(title: map(title, line: line))
    default: break
    }
    for index in node.children.indices { map(&node.children[index]) }
  }

  private mutating func map(_ inlines: [Inline], line: Int) -> [Inline] {
    var result: [Inline] = []
    for inline in inlines {
      switch inline {
      case .emphasis(let children): result.append(.emphasis(map(children, line: line)))
      case .strong(let children): result.append(.strong(map(children, line: line)))
      case .reference(let text, nil, let name?, let isAnonymous):
        if isAnonymous {
          anonymousReferences += 1
          let url = anonymousUsed < anonymous.count ? anonymous[anonymousUsed] : nil
          anonymousUsed += 1
          result.append(.reference(text: text, url: url, name: name, anonymous: true))
        } else if let found = named[name] {
          result.append(.reference(text: text, url: found, name: name, anonymous: false))
        } else {
          parser.report(.error, "Unknown target name: \"\(name)\".", line: line)
          result.append(inline)
        }
      case .reference(let text, let url, let name, let isAnonymous) where url != nil:
        if isAnonymous { anonymousReferences += 0 }
        result.append(.reference(text: text, url: url, name: name, anonymous: isAnonymous))
      case .substitution(let name):
        if let replacement = parser.substitutions[normalizeName(name)] {
          result.append(contentsOf: replacement)
        } else {
          parser.report(.error, "Undefined substitution referenced: \"\(name)\".", line: line)
          result.append(.text("|\(name)|"))
        }
      default:
        result.append(inline)
      }
    }
    return result
  }
}
