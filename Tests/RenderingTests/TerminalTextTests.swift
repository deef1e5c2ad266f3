import Rendering
import Testing

@Suite struct TerminalTextTests {
  @Test("escape sequences and control characters from a capture are stripped whole")
  func stripped() {
    #expect(TerminalText.stripped("/bin/evil\u{1b}[2J\u{1b}]0;pwned\u{07}x") == "/bin/evilx")
    #expect(TerminalText.stripped("a\u{1b}]8;;http://x\u{1b}\\b\u{9b}c\u{7f}d\re") == "abcde")
    #expect(TerminalText.stripped("plain ünïcode") == "plain ünïcode")
  }

  @Test("paths become one shell word")
  func quoted() {
    #expect(TerminalText.shellQuoted("captures/run.1.bin") == "captures/run.1.bin")
    #expect(TerminalText.shellQuoted("my captures/run.bin") == "'my captures/run.bin'")
    #expect(TerminalText.shellQuoted("it's.bin") == "'it'\\''s.bin'")
  }
}
