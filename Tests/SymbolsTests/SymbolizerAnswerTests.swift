import Testing

@testable import Symbols

/// The reader of llvm-symbolizer's JSON lines, on the shapes it writes and on damage.
@Suite struct SymbolizerAnswerTests {
  private func answers(_ text: String) throws -> [SymbolizerAnswer] {
    try SymbolizerAnswer.answers(in: Array(text.utf8))
  }

  @Test func readsSymbolsAndSkipsEveryOtherField() throws {
    let output = """
      {"Address":"0x27249","ModuleName":"/lib/libc.so.6","Symbol":[{"Column":16,"Discriminator":0,\
      "FileName":"./csu/start.h","FunctionName":"__libc_start_call_main","Line":58,"StartAddress":"0x271d0",\
      "StartFileName":"","StartLine":23},{"FileName":"","FunctionName":"outer","Line":0}]}
      {"Address":"0x10","Error":{"Message":"No such file or directory"},"ModuleName":"/missing"}

      {"Address":"0x20","ModuleName":"m","Symbol":[]}
      """
    let read = try answers(output)
    #expect(read.count == 3)
    #expect(
      read[0].symbols == [
        .init(functionName: "__libc_start_call_main", fileName: "./csu/start.h", line: 58, startAddress: 0x271d0),
        .init(functionName: "outer", fileName: "", line: 0),
      ])
    #expect(read[1].symbols == nil)
    #expect(read[2].symbols == [])
  }

  @Test func decodesEscapesInNames() throws {
    let read = try answers(
      #"{"Symbol":[{"FileName":"a \"b\"\\c\/d\u00e9\ud83d\ude00\n","FunctionName":null,"Line":7}]}"#)
    #expect(read[0].symbols?[0].fileName == "a \"b\"\\c/dé😀\n")
    #expect(read[0].symbols?[0].functionName == nil)
    #expect(read[0].symbols?[0].line == 7)
  }

  @Test func damageIsAnErrorNotATrap() {
    for damaged in [
      #"{"Symbol":[{"FileName":"unterminated}]}"#, #"{"Symbol":[{"Line":1.5}]}"#, #"{"Symbol":[}"#,
      #"{"Symbol":"\ud800"}"#, "{} {}", String(repeating: "[", count: 100), "nonsense",
    ] {
      #expect(throws: SymbolizerAnswer.Malformed.self, "\(damaged)") { try answers(damaged) }
    }
  }
}
