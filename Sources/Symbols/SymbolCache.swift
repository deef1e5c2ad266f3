/// The frames of every location already resolved, so that each distinct address is looked up once
/// per report however many stacks share it.
public struct SymbolCache: Sendable {
  private var frames: [CodeLocation: [SymbolizedFrame]] = [:]

  /// An empty cache.
  public init() {}

  /// How many locations are known.
  public var count: Int { frames.count }

  /// The frames of `location`, or nil if it was never resolved.
  public subscript(location: CodeLocation) -> [SymbolizedFrame]? {
    get { frames[location] }
    set { frames[location] = newValue }
  }

  /// Whether `location` is known.
  public func contains(_ location: CodeLocation) -> Bool { frames[location] != nil }
}
