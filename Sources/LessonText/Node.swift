/// One node of a lesson's document tree. Every node carries the 1-based source line (and column) where
/// it starts, as docutils reports for the same input.
public struct Node: Sendable, Equatable {
  /// What the node is, with its own data.
  public var kind: Kind
  /// The 1-based source line where the node starts.
  public var line: Int
  /// The 1-based column where the node starts (after tab expansion).
  public var column: Int
  /// Child nodes, in order.
  public var children: [Node]
  /// The directive's options the node keeps for the course (a `course-hint`'s `:frame:` and
  /// `:line:`); empty for every other node.
  public var options: [Option] = []

  /// Makes a node.
  public init(_ kind: Kind, line: Int, column: Int = 1, children: [Node] = []) {
    self.kind = kind
    self.line = line
    self.column = column
    self.children = children
  }

  /// How an enumerated list counts.
  public enum Enumeration: String, Sendable, Equatable {
    /// `1`, `2`, `3`.
    case arabic
    /// `a`, `b`, `c`.
    case lowerAlpha = "loweralpha"
    /// `A`, `B`, `C`.
    case upperAlpha = "upperalpha"
    /// `i`, `ii`, `iii`.
    case lowerRoman = "lowerroman"
    /// `I`, `II`, `III`.
    case upperRoman = "upperroman"
  }

  /// How an enumerator is punctuated: `1.`, `1)` or `(1)`.
  public enum EnumeratorFormat: String, Sendable, Equatable {
    /// `1.`
    case period
    /// `1)`
    case parenthesis
    /// `(1)`
    case parentheses
  }

  /// What a collapsible block is.
  public enum Collapsible: Sendable, Equatable {
    /// A course hint, numbered in order from 1 within the lesson.
    case hint(number: Int)
    /// A course solution.
    case solution
    /// An HTML `<details>` block (how Sphinx pages hide hints and solutions).
    case details
  }

  /// One directive option, `:name: value`.
  public struct Option: Sendable, Equatable {
    /// The option name.
    public var name: String
    /// The option value (may be empty).
    public var value: String
    /// Makes an option.
    public init(name: String, value: String) {
      self.name = name
      self.value = value
    }
  }

  /// One `toctree` entry: an optional explicit title and the document it points to.
  public struct TocEntry: Sendable, Equatable {
    /// The title given in the entry (`Title <doc>`), if any.
    public var title: String?
    /// The document name.
    public var target: String
    /// Makes an entry.
    public init(title: String?, target: String) {
      self.title = title
      self.target = target
    }
  }

  /// The kinds of node, each with its own data.
  public enum Kind: Sendable, Equatable {
    /// The root.
    case document
    /// A section: its title and its level (1 for the first adornment style seen, and so on).
    case section(title: [Inline], level: Int)
    /// A paragraph.
    case paragraph([Inline])
    /// A bullet list; `bullet` is `-`, `*` or `+`.
    case bulletList(bullet: Character)
    /// An enumerated list.
    case enumeratedList(enumeration: Enumeration, format: EnumeratorFormat, start: Int)
    /// One item of a bullet or enumerated list.
    case listItem
    /// A definition list; children are `definitionListItem`s.
    case definitionList
    /// A term, its classifiers and (as children) its definition.
    case definitionListItem(term: [Inline], classifiers: [[Inline]])
    /// A field list; children are `field`s.
    case fieldList
    /// A field: its name and (as children) its body.
    case field(name: [Inline])
    /// An indented block quote.
    case blockQuote
    /// Verbatim text: literal blocks, code directives, doctest blocks, `<pre>` in raw HTML.
    case literalBlock(text: String, language: String?)
    /// A transition (horizontal rule).
    case transition
    /// A comment; not shown.
    case comment(String)
    /// A hyperlink target (`.. _name: url`); not shown.
    case target(name: String, url: String?)
    /// A substitution definition (`.. |name| replace:: text`); not shown.
    case substitutionDefinition(name: String)
    /// A footnote or citation; children are its body.
    case footnote(label: String)
    /// An admonition: `note`, `warning`, …, or `admonition` with a title. Children are its body.
    case admonition(name: String, title: [Inline])
    /// An image, shown as a framed placeholder.
    case image(uri: String, alt: String?)
    /// A figure: an image with a caption and legend as children.
    case figure(uri: String, alt: String?)
    /// A block that stays collapsed until revealed: course hints and solutions, HTML `<details>`.
    case collapsible(title: [Inline], role: Collapsible)
    /// Raw text for another format. Raw HTML is also converted: what it shows sits in the children.
    case raw(format: String, text: String)
    /// A Sphinx `toctree`.
    case toctree(caption: String?, entries: [TocEntry])
    /// A table; children are `tableRow`s.
    case table(title: [Inline])
    /// A table row; children are `tableCell`s.
    case tableRow(header: Bool)
    /// A table cell spanning `columnSpan` columns and `rowSpan` rows (docutils' `morecols` + 1 and
    /// `morerows` + 1); children are its body. A cell spanning rows sits in the first row it covers; the
    /// rows below have no cell for those columns.
    case tableCell(columnSpan: Int, rowSpan: Int = 1)
    /// Ties the lesson to its exercise (`.. exercise:: exercise_1`).
    case exercise(name: String)
    /// A directive the reader does not know, kept whole; children are empty.
    case directive(name: String, arguments: String, options: [Option], content: String)
  }
}
