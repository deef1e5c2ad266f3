/// One frame of a call stack after symbolization: a function, or an inlined function inside it.
///
/// One ``CodeLocation`` becomes one or more frames: the innermost inlined function first and the
/// function that was really called (the one with its own stack frame) last.
public struct SymbolizedFrame: Hashable, Sendable {
  /// The readable function name (`Fibonacci.fibonacci(_:)`, `std::vector<int>::push_back(int const&)`),
  /// or nil when the module has no symbol for the address.
  public var function: String?
  /// The source file, or nil without debug information.
  public var file: String?
  /// The 1-based source line, or nil without debug information.
  public var line: Int?
  /// Where the frame's instruction is.
  public var location: CodeLocation
  /// Whether this frame was inlined into the next one (no stack frame of its own).
  public var isInlined: Bool

  /// A frame with whatever the symbolizer found.
  public init(
    function: String?, file: String? = nil, line: Int? = nil, location: CodeLocation, isInlined: Bool = false
  ) {
    self.function = function
    self.file = file
    self.line = line
    self.location = location
    self.isInlined = isInlined
  }

  /// A frame that nothing is known about but its module and offset.
  public static func unresolved(_ location: CodeLocation) -> SymbolizedFrame {
    SymbolizedFrame(function: nil, location: location)
  }

  /// The module's file name (`libswiftCore.so`).
  public var module: String { location.moduleName }

  /// The function name, or `module+offset` when there is none.
  public var functionName: String { function ?? location.description }

  /// `Fib.swift:12`, or nil without debug information.
  public var sourceLocation: String? {
    guard let file else { return nil }
    // Line 0 is code the compiler made for no one line (a for-in loop's iterator, say): the file
    // still says where it is.
    guard let line else { return CodeLocation.baseName(file) }
    return "\(CodeLocation.baseName(file)):\(line)"
  }

  /// The frame as one line: `function (File.swift:12)`, `function (module+0x1f)` without debug
  /// information, `module+0x1f` without a symbol. Never empty, so no frame disappears from a report.
  public var label: String {
    guard let function else { return location.description }
    return "\(function) (\(sourceLocation ?? location.description))"
  }

  /// What makes two frames the same place for a report: function, file and line, or the exact
  /// address when there is no symbol. Different call sites in one function stay apart, as in memray.
  public var identity: Identity {
    if function == nil {
      return Identity(function: nil, file: nil, line: nil, module: location.module, offset: location.offset)
    }
    if file == nil { return Identity(function: function, file: nil, line: nil, module: location.module, offset: nil) }
    return Identity(function: function, file: file, line: line, module: nil, offset: nil)
  }

  /// See ``SymbolizedFrame/identity``.
  public struct Identity: Hashable, Sendable {
    var function: String?
    var file: String?
    var line: Int?
    var module: String?
    var offset: UInt64?
  }
}
