import MemoryTrace
import Symbols

/// A capture's frame table seen as the stack nodes the tree builder walks.
public struct CaptureStacks: StackNodes {
  /// The reader's frame table (``MemoryProfile/frames``).
  public var frames: FrameTable

  /// The stacks of `frames`.
  public init(frames: FrameTable) { self.frames = frames }

  /// Every node of the frame table, numbered from 0.
  public var nodeCount: Int? { frames.count }

  /// The node's module number and instruction pointer: equal keys are equal locations.
  public func locationKey(of node: Int) -> StackLocationKey? {
    StackLocationKey(module: frames.moduleIndex(of: UInt32(node)), address: frames.ip(of: UInt32(node)))
  }

  /// The node's caller, 0 for an outermost frame.
  public func parent(of node: Int) -> Int { Int(frames.parent(of: UInt32(node))) }

  /// The node's module and offset; `[unknown]` and the raw address outside every module.
  public func location(of node: Int) -> CodeLocation {
    guard let frame = frames.frame(UInt32(node)) else { return CodeLocation(module: "[unknown]", offset: 0) }
    guard let module = frame.module, !module.path.isEmpty else {
      return CodeLocation(module: "[unknown]", offset: frame.ip)
    }
    return CodeLocation(module: module.path, offset: frame.offset)
  }
}
