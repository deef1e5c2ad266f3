/// An instruction in a loaded module: what the capture knows about one frame before symbolization.
public struct CodeLocation: Hashable, Sendable, Comparable {
  /// The module's path as the tracker saw it (the main executable, a shared library).
  public var module: String
  /// The instruction pointer minus the module's load bias: the address inside the ELF file,
  /// which is what `llvm-symbolizer` and `addr2line` expect.
  public var offset: UInt64
  /// Whether `offset` is a return address (every frame but the innermost). A return address points
  /// after the call instruction, so symbolization looks up `offset - 1` to land on the call itself:
  /// otherwise a call that is the last instruction of an inlined block names the wrong line or even
  /// the wrong function.
  public var isReturnAddress: Bool

  /// A location in `module` at `offset`.
  public init(module: String, offset: UInt64, isReturnAddress: Bool = true) {
    self.module = module
    self.offset = offset
    self.isReturnAddress = isReturnAddress
  }

  /// The address to look up: the call instruction for a return address, else the address itself.
  public var lookupOffset: UInt64 { isReturnAddress && offset > 0 ? offset - 1 : offset }

  /// The module's file name without its folder (`libc.so.6`).
  public var moduleName: String { Self.baseName(module) }

  /// `module+0x1f2e`, the way backtraces name an address without a symbol.
  public var description: String { "\(moduleName)+0x\(String(offset, radix: 16))" }

  /// Orders by module then offset, so that one module's addresses are looked up together.
  public static func < (lhs: CodeLocation, rhs: CodeLocation) -> Bool {
    (lhs.module, lhs.offset, lhs.isReturnAddress ? 1 : 0) < (rhs.module, rhs.offset, rhs.isReturnAddress ? 1 : 0)
  }

  static func baseName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    let name = path[path.index(after: slash)...]
    return name.isEmpty ? path : String(name)
  }
}
