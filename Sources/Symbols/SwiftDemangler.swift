// Demangles Swift and C++ linkage names in-process, with the Swift runtime's own demangler.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Turns linkage names into the names a programmer wrote.
///
/// Why in-process, and why the runtime: `llvm-symbolizer` demangles C++ but leaves Swift names
/// mangled (`$s3fib9FibonacciV9fibonacciySaySiGSiFZ`), and spawning `swift-demangle` would be one
/// more process to feed. The Swift runtime that this very program links carries the demangler:
/// `_swift_backtrace_demangle` (what the runtime's crash backtracer prints) gives the simplified
/// form, `Fibonacci.fibonacci(_:)`, and demangles C++ (`_Z...`) as well. It is an underscored
/// entry point, so it is looked up with `dlsym` rather than linked: when a runtime lacks it,
/// the public `swift_demangle` (full form, `fib.Fibonacci.fibonacci(Swift.Array<Swift.Int>) -> Swift.Int`)
/// takes over and the result is shortened here.
public enum SwiftDemangler {
  /// The readable form of `linkageName`, or `linkageName` itself when it is not mangled.
  ///
  /// - Complexity: O(n) in the name's length; no state, safe from any thread.
  public static func demangle(_ linkageName: String) -> String {
    guard isMangled(linkageName) else { return linkageName }
    if let simplified = backtraceDemangle(linkageName) {
      return tidy(simplified)
    }
    if let full = runtimeDemangle(linkageName) {
      return full
    }
    return linkageName
  }

  /// Whether a name looks like a Swift (`$s`, `$S`, `_T0`, `$e`) or Itanium C++ (`_Z`) mangling.
  public static func isMangled(_ name: String) -> Bool {
    name.hasPrefix("$s") || name.hasPrefix("$S") || name.hasPrefix("$e") || name.hasPrefix("_$s")
      || name.hasPrefix("_T0") || name.hasPrefix("_Z") || name.hasPrefix("__Z")
  }

  /// `static Fibonacci.fibonacci(_:)` reads as `Fibonacci.fibonacci(_:)` in a one-line frame label,
  /// and a closure in top-level code, whose context (the module) the simplified form leaves out,
  /// as `closure #1 in top-level code` rather than `closure #1 in `.
  static func tidy(_ name: String) -> String {
    var name = name.hasPrefix("static ") ? String(name.dropFirst("static ".count)) : name
    if name.hasSuffix(" in ") { name += "top-level code" }
    return name
  }

  private typealias BacktraceDemangle =
    @convention(c) (
      UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?
    ) -> UnsafeMutablePointer<CChar>?

  private static let backtraceDemangler: BacktraceDemangle? = {
    #if os(Linux)
      let everywhere: UnsafeMutableRawPointer? = nil  // RTLD_DEFAULT
    #else
      let everywhere = UnsafeMutableRawPointer(bitPattern: -2)  // RTLD_DEFAULT
    #endif
    guard let symbol = dlsym(everywhere, "_swift_backtrace_demangle") else { return nil }
    return unsafeBitCast(symbol, to: BacktraceDemangle.self)
  }()

  private static func backtraceDemangle(_ name: String) -> String? {
    guard let demangler = backtraceDemangler else { return nil }
    return name.withCString { pointer -> String? in
      guard let result = demangler(pointer, strlen(pointer), nil, nil) else { return nil }
      defer { free(result) }
      return String(cString: result)
    }
  }

  private static func runtimeDemangle(_ name: String) -> String? {
    name.withCString { pointer -> String? in
      guard let result = _swift_demangle(pointer, strlen(pointer), nil, nil, 0) else { return nil }
      defer { free(result) }
      return String(cString: result)
    }
  }
}

@_silgen_name("swift_demangle")
private func _swift_demangle(
  _ mangledName: UnsafePointer<CChar>?, _ mangledNameLength: Int, _ outputBuffer: UnsafeMutablePointer<CChar>?,
  _ outputBufferSize: UnsafeMutablePointer<Int>?, _ flags: UInt32
) -> UnsafeMutablePointer<CChar>?
