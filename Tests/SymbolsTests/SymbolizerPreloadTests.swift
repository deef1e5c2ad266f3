import Foundation
import Testing

@testable import Symbols

/// The inflating library preloaded into llvm-symbolizer: found beside the running executable,
/// really loaded by the symbolizer, and answering exactly as the symbolizer does without it.
@Suite(.timeLimit(.minutes(2))) struct SymbolizerPreloadTests {
  @Test func theLibraryLeadsThePreloadsUnlessTurnedOff() throws {
    let library = try #require(
      SymbolizerPreload.path(environment: [:]), "Scripts/bootstrap.sh builds it beside the test executable")
    #expect(library.hasSuffix("/" + SymbolizerPreload.fileName))
    #expect(SymbolizerPreload.preloading([:])["LD_PRELOAD"] == library)
    #expect(SymbolizerPreload.preloading(["LD_PRELOAD": "/x/other.so"])["LD_PRELOAD"] == library + ":/x/other.so")
    #expect(SymbolizerPreload.preloading(["WORKSHOP_SYMBOLIZER_PRELOAD": ""])["LD_PRELOAD"] == nil)
    let chosen = ["WORKSHOP_SYMBOLIZER_PRELOAD": library]
    #expect(SymbolizerPreload.preloading(chosen)["LD_PRELOAD"] == library)
    #expect(SymbolizerPreload.path(environment: ["WORKSHOP_SYMBOLIZER_PRELOAD": ""]) == nil)
  }

  @Test func theSymbolizerLoadsItAndAnswersTheCLibraryAsWithout() throws {
    let library = try #require(EarlySymbolizer.cLibraryPath())
    let executable = try LLVMSymbolizer.locate()
    // Addresses in functions every C library has, inlined frames and all.
    var offsets: [UInt64] = []
    for name in ["malloc", "free", "fopen", "printf", "qsort", "strdup"] {
      if let address = try ParallelSymbolizerTests.dynamicSymbol(name, in: library) {
        offsets += [address, address + 17, address + 60]
      }
    }
    try #require(!offsets.isEmpty)
    let input = Array(offsets.map { "CODE \(library) 0x\(String($0, radix: 16))\n" }.joined().utf8)
    func answers(_ environment: [String: String]) throws -> (output: [UInt8], maps: String) {
      let session = try SymbolizerSession(
        arguments: LLVMSymbolizer.arguments(executable), environment: environment, timeLimit: 60,
        addressSpaceLimit: LLVMSymbolizer.defaultAddressSpaceLimit)
      defer { session.end() }
      let output = try session.answer(input, expected: offsets.count)
      // Read by cat: Foundation stops reading a /proc file after its first page.
      return (output, try SymbolTestSupport.run(["cat", "/proc/\(session.processID)/maps"]).1)
    }
    let ours = ProcessInfo.processInfo.environment
    let preloaded = LLVMSymbolizer.environment(ours)
    let plain = LLVMSymbolizer.environment(ours.merging(["WORKSHOP_SYMBOLIZER_PRELOAD": ""]) { $1 })
    #expect(preloaded["LD_PRELOAD"]?.contains(SymbolizerPreload.fileName) == true)
    #expect(plain["LD_PRELOAD"] == ours["LD_PRELOAD"])
    let with = try answers(preloaded)
    let without = try answers(plain)
    #expect(String(decoding: with.output, as: UTF8.self) == String(decoding: without.output, as: UTF8.self))
    #expect(try SymbolizerAnswer.answers(in: with.output).count == offsets.count)
    #expect(with.maps.contains(SymbolizerPreload.fileName))
    #expect(!without.maps.contains(SymbolizerPreload.fileName))
    // It inflated through libdeflate when the C library's debug information is compressed and libdeflate is there.
    if ModuleLineTables.separateDebugFile(library) != nil,
      FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libdeflate.so.0")
    {
      #expect(with.maps.contains("libdeflate.so"))
    }
  }
}
