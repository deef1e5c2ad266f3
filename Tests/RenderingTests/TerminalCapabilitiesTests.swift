import Rendering
import Testing

/// The one rule set for what the output can show.
@Suite("TerminalCapabilities")
struct TerminalCapabilitiesTests {
  static let utf8 = ["LANG": "en_US.UTF-8"]

  @Test(arguments: [
    (["TERM": "xterm-256color", "LANG": "en_US.UTF-8"], true, TerminalCapabilities.rich),
    (["TERM": "tmux-256color"], true, .rich),
    (["TERM": "xterm", "COLORTERM": "truecolor"], true, .rich),
    (["TERM": "xterm"], true, TerminalCapabilities(colours: .basic, unicode: true, hyperlinks: true)),
    (["TERM": "linux", "LANG": "C"], true, TerminalCapabilities(colours: .basic, unicode: false, hyperlinks: true)),
    (["TERM": "xterm-256color", "LANG": "en_US.UTF-8"], false, .plain),
    (["TERM": "dumb", "LANG": "en_US.UTF-8"], true, .plain),
    (["TERM": "xterm-256color", "NO_COLOR": "1"], true, .plain),
    (["TERM": "xterm-256color", "NO_COLOR": ""], true, .rich),
    (
      ["TERM": "xterm-256color", "LC_ALL": "C", "LANG": "en_US.UTF-8"], true,
      TerminalCapabilities(colours: .extended, unicode: false, hyperlinks: true)
    ),
    (
      ["TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal"], true,
      TerminalCapabilities(colours: .extended, unicode: true)
    ),
    (
      ["TERM": "xterm-256color", "WORKSHOP_HYPERLINKS": "0"], true,
      TerminalCapabilities(colours: .extended, unicode: true)
    ),
    (["WORKSHOP_COLOR": "always"], false, .rich),
    (
      ["WORKSHOP_COLOR": "always", "NO_COLOR": "1", "TERM": "dumb"], false,
      TerminalCapabilities(colours: .basic, unicode: true, hyperlinks: true)
    ),
    (["TERM": "xterm-256color", "WORKSHOP_COLOR": "never"], true, .plain),
  ])
  func detects(environment: [String: String], isTerminal: Bool, expected: TerminalCapabilities) {
    #expect(TerminalCapabilities.detect(environment: environment, isTerminal: isTerminal) == expected)
  }

  @Test("the width is kept for a terminal only")
  func width() {
    #expect(TerminalCapabilities.detect(environment: ["TERM": "xterm"], isTerminal: true, width: 120).width == 120)
    #expect(TerminalCapabilities.detect(environment: ["TERM": "xterm"], isTerminal: false, width: 120).width == nil)
  }
}
