/// How a cell (or a run of text) looks besides its characters. Shared by every renderer: the
/// icicle, the charts and tables, the lesson text; the terminal UI draws exactly these.
public struct CellStyle: Hashable, Sendable {
  /// The character's colour, nil for the terminal's own.
  public var foreground: TerminalColor?
  /// The cell's colour, nil for the terminal's own.
  public var background: TerminalColor?
  /// Bold text.
  public var bold: Bool
  /// Italic text.
  public var italic: Bool
  /// Underlined text.
  public var underline: Bool
  /// Dim text.
  public var dim: Bool
  /// Swapped foreground and background (a selection, a search match).
  public var inverse: Bool
  /// A hyperlink target (OSC 8, where the terminal supports it).
  public var link: String?

  /// A style; every part defaults to the terminal's plain text.
  public init(
    foreground: TerminalColor? = nil, background: TerminalColor? = nil, bold: Bool = false, italic: Bool = false,
    underline: Bool = false, dim: Bool = false, inverse: Bool = false, link: String? = nil
  ) {
    self.foreground = foreground
    self.background = background
    self.bold = bold
    self.italic = italic
    self.underline = underline
    self.dim = dim
    self.inverse = inverse
    self.link = link
  }

  /// The terminal's plain text.
  public static let plain = CellStyle()

  /// Whether nothing is set.
  public var isPlain: Bool { self == .plain }
}
