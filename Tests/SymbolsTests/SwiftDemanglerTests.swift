import Testing

@testable import Symbols

@Suite struct SwiftDemanglerTests {
  @Test(arguments: [
    ("$s3fib9FibonacciV9fibonacciySaySiGSiFZ", "Fibonacci.fibonacci(_:)"),
    ("$s3fib5buildySaySiGSiF", "build(_:)"),
    ("$sSa16_copyToNewBuffer8oldCountySi_tFSi_Tg5", "specialized Array._copyToNewBuffer(oldCount:)"),
    ("$sSD8_VariantV8setValue_6forKeyyq_n_xtF", "Dictionary._Variant.setValue(_:forKey:)"),
    ("$s8ExerciseyyXEfU_", "closure #1 in top-level code"),
    ("$s8Exercise4keepyyxlFyyXEfU_", "closure #1 in keep<A>(_:)"),
    ("_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int> >::push_back(int const&)"),
    ("swift_allocObject", "swift_allocObject"),
    ("main", "main"),
    ("$sNotReallyMangled", "$sNotReallyMangled"),
  ])
  func demangles(linkage: String, readable: String) {
    #expect(SwiftDemangler.demangle(linkage) == readable)
  }

  @Test(
    "a frame reads function (File.swift:12); line 0 (code the compiler made) keeps the file; no debug information keeps the module",
    arguments: [
      (
        SymbolizedFrame(
          function: "f()", file: "/src/A.swift", line: 12, location: CodeLocation(module: "/bin/p", offset: 16)),
        "f() (A.swift:12)"
      ),
      (
        SymbolizedFrame(
          function: "f()", file: "/src/A.swift", line: nil, location: CodeLocation(module: "/bin/p", offset: 16)),
        "f() (A.swift)"
      ),
      (
        SymbolizedFrame(function: "f()", file: nil, line: nil, location: CodeLocation(module: "/bin/p", offset: 16)),
        "f() (p+0x10)"
      ),
    ])
  func labels(frame: SymbolizedFrame, label: String) {
    #expect(frame.label == label)
  }
}
