import Foundation

/// Names frames for reports: resolves each distinct location once, through a cache.
///
/// Use it in two steps, so that the resolver sees every address of a report in one batch:
/// ``resolve(_:)`` with all the locations a report needs, then ``frames(of:)`` per location.
public final class Symbolizer {
  /// What resolves the locations the cache does not know.
  public let resolver: any SymbolResolving
  /// What has been resolved so far.
  public private(set) var cache: SymbolCache

  /// A symbolizer over `resolver`.
  public init(resolver: any SymbolResolving, cache: SymbolCache = SymbolCache()) {
    self.resolver = resolver
    self.cache = cache
  }

  /// A symbolizer with `llvm-symbolizer`, or one that names frames by module and offset only when
  /// there is no llvm-symbolizer (the error says why, for a warning).
  public static func standard() -> (Symbolizer, SymbolError?) {
    do {
      return (Symbolizer(resolver: try LLVMSymbolizer()), nil)
    } catch let error as SymbolError {
      return (Symbolizer(resolver: UnresolvedSymbols()), error)
    } catch {
      return (Symbolizer(resolver: UnresolvedSymbols()), .symbolizerMissing(searched: []))
    }
  }

  /// Starts `llvm-symbolizer` now and has it load the C library's debug information, when the
  /// symbol cache knows nothing of that library: call it before reading a capture, so that the
  /// loading overlaps the reading; the next ``standard()`` symbolizer asks that process its C library
  /// frames. A first report of a program spent most of its time there otherwise. Does nothing off
  /// the main thread (the process would die with the thread), nor when anything fails.
  public static func startEarly(environment: [String: String] = ProcessInfo.processInfo.environment) {
    EarlySymbolizer.start(environment: environment)
  }

  /// Ends the process ``startEarly(environment:)`` started, when the report that started it failed
  /// before it could be asked: it would otherwise wait, its C library loaded, until this process ends.
  public static func discardEarly() {
    EarlySymbolizer.discard()
  }

  /// Resolves every location not in the cache yet, in one batch.
  ///
  /// - Complexity: O(n) to find the new locations, plus one resolver call for all of them.
  public func resolve(_ locations: some Sequence<CodeLocation>) throws {
    var seen = Set<CodeLocation>()
    var missing: [CodeLocation] = []
    for location in locations where !cache.contains(location) && seen.insert(location).inserted {
      missing.append(location)
    }
    guard !missing.isEmpty else { return }
    // What was named is kept even when a part failed; the failure is said once, and a resolver that
    // failed (or was stopped at its bound) is not started again for each frame: its locations are
    // named by module and offset from now on.
    let (resolved, failure) = resolver.resolveKeepingNamed(missing)
    for (location, frames) in zip(missing, resolved) {
      cache[location] = frames.isEmpty ? [.unresolved(location)] : frames
    }
    if let failure { throw failure }
  }

  /// The frames of one location, innermost inlined function first; resolves it alone if
  /// ``resolve(_:)`` did not see it, and falls back to module and offset if that fails.
  public func frames(of location: CodeLocation) -> [SymbolizedFrame] {
    if let known = cache[location] { return known }
    try? resolve([location])
    return cache[location] ?? [.unresolved(location)]
  }

  /// The frames of a whole stack given innermost first, inlined frames expanded, innermost first.
  /// This is what `workshop stats` prints for its top stacks.
  public func frames(ofStack stack: [CodeLocation]) -> [SymbolizedFrame] {
    try? resolve(stack)
    return stack.flatMap { frames(of: $0) }
  }
}

/// A resolver that knows nothing: every location becomes `module+offset`.
public struct UnresolvedSymbols: SymbolResolving {
  /// A resolver with no symbols.
  public init() {}

  /// Each location as its own unresolved frame.
  public func resolve(_ locations: [CodeLocation]) throws -> [[SymbolizedFrame]] {
    locations.map { [.unresolved($0)] }
  }
}
