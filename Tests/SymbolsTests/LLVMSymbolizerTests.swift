import Foundation
import Testing

@testable import Symbols

@Suite struct LLVMSymbolizerTests {
  @Test func swiftFunctionsAreDemangledWithFileAndLine() throws {
    let program = try SymbolTestSupport.compile("Fibonacci.swift")
    let address = try #require(
      try SymbolTestSupport.address(of: "$s9FibonacciAAV9fibonacciySaySiGSiFZ", in: program))
    let location = CodeLocation(module: program, offset: address, isReturnAddress: false)
    let frames = try LLVMSymbolizer().resolve([location])
    let frame = try #require(frames.first?.last)
    #expect(frame.function == "Fibonacci.fibonacci(_:)")
    #expect(frame.sourceLocation == "Fibonacci.swift:4")
    #expect(frame.label == "Fibonacci.fibonacci(_:) (Fibonacci.swift:4)")
  }

  @Test func inlinedFramesAreExpandedFromTheCallInstruction() throws {
    let program = try SymbolTestSupport.compile("inlined.c")
    let (status, printed) = try SymbolTestSupport.run([program])
    #expect(status == 0)
    let offset = try #require(UInt64(printed.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16))
    let frames = try LLVMSymbolizer().resolve([CodeLocation(module: program, offset: offset)])
    let names = frames[0].map { "\($0.function ?? "?") \($0.sourceLocation ?? "?") \($0.isInlined)" }
    #expect(names == ["grow inlined.c:16 true", "middle inlined.c:17 true", "outer inlined.c:18 false"])
  }

  /// The return address after the first call to `IndexingIterator.next()` in `total(_:)`, by objdump.
  static func returnAddressOfLoopCall(in executable: String) throws -> UInt64? {
    let (_, disassembly) = try SymbolTestSupport.run(["objdump", "-d", "--no-show-raw-insn", executable])
    var inTotal = false
    var afterCall = false
    for line in disassembly.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasSuffix(">:") { inTotal = line.contains("5total") && !line.contains("@plt") }
      guard inTotal else { continue }
      let address = line.split(separator: ":").first.flatMap {
        UInt64($0.trimmingCharacters(in: .whitespaces), radix: 16)
      }
      if afterCall, let address { return address }
      if line.contains("call") && line.contains("IndexingIteratorV4next") { afterCall = true }
    }
    return nil
  }

  @Test func aReturnAddressInCodeOfLineZeroGetsTheLineBeforeIt() throws {
    let executable = try SymbolTestSupport.compile("Loops.swift")
    let address = try #require(try Self.returnAddressOfLoopCall(in: executable))
    let frames = try LLVMSymbolizer().resolve([CodeLocation(module: executable, offset: address)])[0]
    let frame = try #require(frames.last)
    #expect(frame.function == "total(_:)")
    #expect(frame.file?.hasSuffix("Loops.swift") == true)
    #expect(frame.line == 7, "the loop's line, not none: \(frames)")
  }

  @Test func framesWithoutSymbolsKeepModuleAndOffset() throws {
    let missing = CodeLocation(module: "/no/such/libmissing.so", offset: 0x1f2e)
    let frames = try LLVMSymbolizer().resolve([missing])
    #expect(frames == [[.unresolved(missing)]])
    #expect(frames[0][0].label == "libmissing.so+0x1f2e")
  }

  @Test func answersKeepTheOrderOfTheQuestionsAcrossModules() throws {
    let program = try SymbolTestSupport.compile("Fibonacci.swift")
    let address = try #require(
      try SymbolTestSupport.address(of: "$s9FibonacciAAV9fibonacciySaySiGSiFZ", in: program))
    let locations = [
      CodeLocation(module: "/no/such/b.so", offset: 2),
      CodeLocation(module: program, offset: address, isReturnAddress: false),
      CodeLocation(module: "/no/such/a.so", offset: 1),
    ]
    let frames = try LLVMSymbolizer().resolve(locations)
    #expect(frames.map { $0.last?.location } == locations)
    #expect(frames[1].last?.function == "Fibonacci.fibonacci(_:)")
  }

  @Test func locatesTheToolchainSymbolizerFirst() throws {
    let found = try LLVMSymbolizer.locate(
      environment: ["PATH": "/usr/bin:/toolchain/bin"],
      fileExists: {
        ["/toolchain/bin/swift", "/toolchain/bin/llvm-symbolizer", "/usr/bin/llvm-symbolizer"].contains($0)
      })
    #expect(found == "/toolchain/bin/llvm-symbolizer")
    #expect(throws: SymbolError.self) {
      try LLVMSymbolizer.locate(environment: ["PATH": "/nothing"], fileExists: { _ in false })
    }
  }
}

@Suite struct SymbolizerTests {
  /// Counts the locations it is asked about, to show the cache at work.
  final class CountingResolver: SymbolResolving {
    var asked: [[CodeLocation]] = []
    func resolve(_ locations: [CodeLocation]) throws -> [[SymbolizedFrame]] {
      asked.append(locations)
      return locations.map { [SymbolizedFrame(function: "f\($0.offset)", location: $0)] }
    }
  }

  @Test func eachDistinctLocationIsResolvedOnce() throws {
    let resolver = CountingResolver()
    let symbolizer = Symbolizer(resolver: resolver)
    let a = CodeLocation(module: "m", offset: 1)
    let b = CodeLocation(module: "m", offset: 2)
    try symbolizer.resolve([a, b, a, b])
    try symbolizer.resolve([a])
    #expect(resolver.asked == [[a, b]])
    #expect(symbolizer.frames(ofStack: [b, a]).map(\.functionName) == ["f2", "f1"])
    #expect(resolver.asked.count == 1)
  }
}
