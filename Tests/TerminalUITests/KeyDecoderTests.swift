import Testing
import TerminalUI

/// Bytes from a terminal to keys.
@Suite("KeyDecoder")
struct KeyDecoderTests {
  func keys(_ text: String) -> [Key] {
    var decoder = KeyDecoder()
    return decoder.decode(Array(text.utf8))
  }

  @Test(
    "single keys",
    arguments: [
      ("j", Key.character("j")), ("é", .character("é")), ("漢", .character("漢")), ("🙂", .character("🙂")),
      ("\r", .enter), ("\n", .enter), ("\t", .tab), ("\u{7F}", .backspace), ("\u{8}", .backspace),
      ("\u{3}", .control("c")), ("\u{7}", .control("g")), ("\u{6}", .control("f")),
      ("\u{1B}[A", .up), ("\u{1B}[B", .down), ("\u{1B}[C", .right), ("\u{1B}[D", .left),
      ("\u{1B}OA", .up), ("\u{1B}OB", .down), ("\u{1B}[1;5A", .up), ("\u{1B}[5~", .pageUp), ("\u{1B}[6~", .pageDown),
      ("\u{1B}[H", .home), ("\u{1B}[F", .end), ("\u{1B}[1~", .home), ("\u{1B}[4~", .end), ("\u{1B}OH", .home),
      ("\u{1B}[3~", .delete), ("\u{1B}[Z", .backTab), ("\u{1B}OP", .function(1)), ("\u{1B}[15~", .function(5)),
      ("\u{1B}[24~", .function(12)),
    ])
  func single(text: String, key: Key) {
    #expect(keys(text) == [key])
  }

  @Test("several keys in one read")
  func several() {
    #expect(
      keys("/ab\r\u{1B}[Bq") == [.character("/"), .character("a"), .character("b"), .enter, .down, .character("q")])
  }

  @Test("a sequence or character split between reads waits for its rest")
  func split() {
    var decoder = KeyDecoder()
    #expect(decoder.decode([0x1B, UInt8(ascii: "[")]).isEmpty)
    #expect(decoder.hasPending)
    #expect(decoder.decode([UInt8(ascii: "6"), UInt8(ascii: "~"), UInt8(ascii: "x")]) == [.pageDown, .character("x")])
    let bytes = Array("漢".utf8)
    #expect(decoder.decode(bytes[..<2]).isEmpty)
    #expect(decoder.decode(bytes[2...]) == [.character("漢")])
    #expect(!decoder.hasPending)
  }

  @Test("a lone Esc is Esc once nothing follows; Esc with a key is Esc then the key")
  func escape() {
    var decoder = KeyDecoder()
    #expect(decoder.decode([0x1B]).isEmpty)
    #expect(decoder.flush() == [.escape])
    #expect(!decoder.hasPending)
    #expect(decoder.decode([0x1B, UInt8(ascii: "x")]) == [.escape, .character("x")])
    #expect(decoder.decode([0x1B, 0x1B]) == [.escape])
    #expect(decoder.flush() == [.escape])
  }

  @Test("invalid UTF-8 and unknown sequences are dropped, not trapped on")
  func invalid() {
    var decoder = KeyDecoder()
    #expect(decoder.decode([0xFF, 0x80, UInt8(ascii: "a")]) == [.character("a")])
    #expect(decoder.decode(Array("\u{1B}[99~b".utf8)) == [.character("b")])
    #expect(decoder.decode([0xE6, UInt8(ascii: "c")]) == [.character("c")])
  }
}
