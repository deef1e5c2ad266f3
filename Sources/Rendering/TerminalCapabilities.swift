/// What the output can show: colour, Unicode, how wide it is. Detected from the environment by
/// the caller's facts (whether standard output is a terminal, its width), so that this stays free
/// of I/O. Shared by every renderer; the lesson renderer and the TUI use it too.
public struct TerminalCapabilities: Sendable, Equatable {
  /// Whether ANSI colours may be used.
  public var colour: Bool
  /// Whether Unicode box-drawing characters and `…` may be used; plain ASCII otherwise.
  public var unicode: Bool
  /// Whether links may be written as OSC 8 hyperlinks.
  public var hyperlinks: Bool
  /// The width in columns, when the output is a terminal that said so.
  public var width: Int?

  /// Capabilities as given.
  public init(colour: Bool, unicode: Bool, hyperlinks: Bool = false, width: Int? = nil) {
    self.colour = colour
    self.unicode = unicode
    self.hyperlinks = hyperlinks
    self.width = width
  }

  /// Plain ASCII without colour: for pipes, files, `TERM=dumb` and `NO_COLOR`.
  public static let plain = TerminalCapabilities(colour: false, unicode: false)

  /// Decides from the environment and the output — the one rule set for every renderer:
  /// - `WORKSHOP_COLOR=always` gives colour, Unicode and hyperlinks, `WORKSHOP_COLOR=never` plain
  ///   ASCII, whatever the output is;
  /// - otherwise a pipe or a file, `TERM=dumb` and `NO_COLOR` (any non-empty value, see
  ///   no-color.org) give plain ASCII without colour;
  /// - a terminal gets colour, and Unicode unless its locale (the first of `LC_ALL`, `LC_CTYPE`,
  ///   `LANG` that is set) is not UTF-8; none set is taken as UTF-8, as every current terminal
  ///   emulator is; hyperlinks unless the terminal is Apple's Terminal or `WORKSHOP_HYPERLINKS=0`.
  public static func detect(environment: [String: String], isTerminal: Bool, width: Int? = nil)
    -> TerminalCapabilities
  {
    switch environment["WORKSHOP_COLOR"] {
    case "always": return TerminalCapabilities(colour: true, unicode: true, hyperlinks: true, width: width)
    case "never": return TerminalCapabilities(colour: false, unicode: false, width: isTerminal ? width : nil)
    default: break
    }
    let term = environment["TERM"] ?? ""
    let noColour = !(environment["NO_COLOR"] ?? "").isEmpty
    guard isTerminal, term != "dumb", !noColour else {
      return TerminalCapabilities(colour: false, unicode: false, width: isTerminal ? width : nil)
    }
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
    let unicode = locale.map { $0.uppercased().contains("UTF-8") || $0.uppercased().contains("UTF8") } ?? true
    let hyperlinks = environment["TERM_PROGRAM"] != "Apple_Terminal" && environment["WORKSHOP_HYPERLINKS"] != "0"
    return TerminalCapabilities(colour: true, unicode: unicode, hyperlinks: hyperlinks, width: width)
  }
}
