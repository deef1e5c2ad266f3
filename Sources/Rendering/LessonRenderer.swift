import LessonText
import TextWidth

/// Lays a lesson's tree out for a given width as a grid of styled cells. No I/O.
///
/// The layout is split by concern: blocks and sections (`+Blocks`), lists (`+Lists`), code
/// (`+Code`), frames and collapsed blocks (`+Frames`), tables (`+Tables`), inline text (`+Inline`).
public struct LessonRenderer: Sendable {
  /// What the renderer needs to know besides the tree.
  public struct Options: Sendable {
    /// Columns available.
    public var width: Int
    /// Colour, Unicode and hyperlinks.
    public var capabilities: TerminalCapabilities
    /// Which hints, solutions and `<details>` blocks are shown expanded.
    public var revealed: LessonReveal
    /// Show every hint, solution and `<details>` block expanded (or none).
    public var reveal: Bool {
      get { revealed == .everything }
      set { revealed = newValue ? .everything : .nothing }
    }
    /// The command that reveals hint N, without N: hint N is shown as "reveal with `\(hintCommand) N`".
    /// Nil says only that the hint is hidden. The front end spells it; the renderer knows no commands.
    public var hintCommand: String?
    /// The command that shows the lesson's solutions; nil falls back to ``revealCommand``.
    public var solutionCommand: String?
    /// The command that shows the lesson with solutions and `<details>` blocks expanded, if any.
    public var revealCommand: String?

    /// Makes options.
    public init(
      width: Int = 80, capabilities: TerminalCapabilities = .plain, reveal: Bool = false, hintCommand: String? = nil,
      solutionCommand: String? = nil, revealCommand: String? = nil, revealed: LessonReveal? = nil
    ) {
      self.width = width
      self.capabilities = capabilities
      self.revealed = revealed ?? (reveal ? .everything : .nothing)
      self.hintCommand = hintCommand
      self.solutionCommand = solutionCommand
      self.revealCommand = revealCommand
    }
  }

  /// The options used.
  public var options: Options

  /// Makes a renderer.
  public init(options: Options) { self.options = options }

  /// Renders a whole document: a grid at least `options.width` wide (wider where a code line is
  /// longer), one row a line.
  public func render(_ document: LessonDocument) -> LessonRendering {
    var layout = Layout(options: options, exercise: document.exercise)
    let width = Swift.max(20, options.width)
    let laid = layout.blocks(document.root.children, width: width)
    var grid = CellGrid(width: Swift.max(width, laid.map(\.line.width).max() ?? 0), height: laid.count)
    for (row, line) in laid.enumerated() {
      var column = 0
      for span in line.line.spans { column += grid.write(span.text, row: row, column: column, style: span.style) }
    }
    return LessonRendering(grid: grid, headingRows: laid.indices.filter { laid[$0].heading })
  }

  /// The state of one layout: the options, and the lesson's exercise (for hint commands).
  struct Layout {
    let options: LessonRenderer.Options
    let exercise: String?
    /// Solutions laid out so far, to name a collapsed one by its number rather than its title.
    var solutionsSeen = 0

    init(options: LessonRenderer.Options, exercise: String?) {
      self.options = options
      self.exercise = exercise
    }

    var unicode: Bool { options.capabilities.unicode }
    var color: Bool { options.capabilities.colour }

    func style(_ style: CellStyle) -> CellStyle { color ? style : .plain }
  }
}

/// A line while laying out, tagged when it is a heading.
struct Laid {
  var line: StyledLine
  var heading = false
}

/// Which of a lesson's hidden blocks are shown expanded: the first hints, the solutions, the
/// `<details>` blocks. A front end decides (the course reveals hints one at a time and asks before
/// a solution); the renderer only draws.
public struct LessonReveal: Hashable, Sendable {
  /// Hints 1 through `hints` are shown.
  public var hints: Int
  /// The solutions are shown.
  public var solutions: Bool
  /// `<details>` blocks are shown.
  public var details: Bool

  /// Makes a reveal.
  public init(hints: Int = 0, solutions: Bool = false, details: Bool = false) {
    self.hints = hints
    self.solutions = solutions
    self.details = details
  }

  /// Nothing shown.
  public static let nothing = LessonReveal()
  /// Everything shown.
  public static let everything = LessonReveal(hints: .max, solutions: true, details: true)
}
