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
}
