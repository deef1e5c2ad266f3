/// What the output can show: colours (none, the 8 basic ones, or 256), Unicode, hyperlinks, how
/// wide it is. Decided from the environment and the caller's facts about the output (whether it
/// is a terminal, its width), so that this stays free of I/O. The one description every renderer,
/// the ANSI writer and the terminal UI's screen follow.
public struct TerminalCapabilities: Sendable, Equatable {
  /// The colours a terminal offers.
  public enum Colours: Int, Sendable, Comparable, CaseIterable {
    /// None: no colour escapes at all (pipes, files, `NO_COLOR`, `TERM=dumb`).
    case none
    /// The eight basic colours (SGR 30–37, 40–47); richer colours are brought down to them.
    case basic
    /// The 256 colours of `xterm-256color` (SGR 38;5;N, 48;5;N).
    case extended

    /// Fewer colours first.
    public static func < (lhs: Colours, rhs: Colours) -> Bool { lhs.rawValue < rhs.rawValue }
  }

  /// The colours that may be used.
  public var colours: Colours
  /// Whether Unicode box-drawing characters and `…` may be used; plain ASCII otherwise.
  public var unicode: Bool
  /// Whether links may be written as OSC 8 hyperlinks.
  public var hyperlinks: Bool
  /// The width in columns, when the output is a terminal that said so.
  public var width: Int?

  /// Whether any colour (or other styling) may be used.
  public var colour: Bool { colours != .none }

  /// Capabilities as given.
  public init(colours: Colours, unicode: Bool, hyperlinks: Bool = false, width: Int? = nil) {
    self.colours = colours
    self.unicode = unicode
    self.hyperlinks = hyperlinks
    self.width = width
  }

  /// Plain ASCII without colour: for pipes, files, `TERM=dumb` and `NO_COLOR`.
  public static let plain = TerminalCapabilities(colours: .none, unicode: false)

  /// 256 colours, Unicode and hyperlinks: what a current terminal emulator offers.
  public static let rich = TerminalCapabilities(colours: .extended, unicode: true, hyperlinks: true)

  /// Decides from the environment and the output — the one rule set for every renderer and screen:
  /// - `WORKSHOP_COLOR=always` gives colour, Unicode and hyperlinks, `WORKSHOP_COLOR=never` plain
  ///   ASCII, whatever the output is;
  /// - otherwise a pipe or a file, `TERM=dumb` and `NO_COLOR` (any non-empty value, see
  ///   no-color.org) give plain ASCII without colour;
  /// - a terminal gets colour, and Unicode unless its locale (the first of `LC_ALL`, `LC_CTYPE`,
  ///   `LANG` that is set) is not UTF-8; none set is taken as UTF-8, as every current terminal
  ///   emulator is; hyperlinks unless the terminal is Apple's Terminal or `WORKSHOP_HYPERLINKS=0`;
  /// - colour means 256 colours when `TERM` ends in `256color` or is a `-direct` one, or
  ///   `COLORTERM` is `truecolor` or `24bit` (or, with `WORKSHOP_COLOR=always`, `TERM` is not set
  ///   at all); the 8 basic colours otherwise.
  public static func detect(environment: [String: String], isTerminal: Bool, width: Int? = nil)
    -> TerminalCapabilities
  {
    let term = environment["TERM"] ?? ""
    switch environment["WORKSHOP_COLOR"] {
    case "always":
      let colours = term.isEmpty ? Colours.extended : colours(term: term, environment: environment)
      return TerminalCapabilities(colours: colours, unicode: true, hyperlinks: true, width: width)
    case "never": return TerminalCapabilities(colours: .none, unicode: false, width: isTerminal ? width : nil)
    default: break
    }
    let noColour = !(environment["NO_COLOR"] ?? "").isEmpty
    guard isTerminal, term != "dumb", !noColour else {
      return TerminalCapabilities(colours: .none, unicode: false, width: isTerminal ? width : nil)
    }
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
    let unicode = locale.map { $0.uppercased().contains("UTF-8") || $0.uppercased().contains("UTF8") } ?? true
    let hyperlinks = environment["TERM_PROGRAM"] != "Apple_Terminal" && environment["WORKSHOP_HYPERLINKS"] != "0"
    return TerminalCapabilities(
      colours: colours(term: term, environment: environment), unicode: unicode, hyperlinks: hyperlinks, width: width)
  }

  private static func colours(term: String, environment: [String: String]) -> Colours {
    let colourTerm = environment["COLORTERM"]?.lowercased()
    if term.hasSuffix("256color") || term.hasSuffix("-direct") || colourTerm == "truecolor" || colourTerm == "24bit" {
      return .extended
    }
    return .basic
  }
}
