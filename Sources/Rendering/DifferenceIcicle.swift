import MemoryAnalysis
import Symbols

/// How one box of an icicle compares with another run: drawn in its colour, with its text in place
/// of the box's size, so that it reads without colour too (`+3.5 MiB`, `-96 B`, `=`).
public struct IcicleMark: Sendable, Equatable {
  /// Which way the frame differs.
  public enum Tone: Sendable, Equatable {
    /// It holds more than in the other run (red).
    case more
    /// It holds less (green).
    case less
    /// It holds the same.
    case same
  }

  /// Which way.
  public var tone: Tone
  /// What the box says instead of its size.
  public var text: String
  /// What the explorer's info line says of the selected frame.
  public var sentence: String

  /// A mark as given.
  public init(tone: Tone, text: String, sentence: String) {
    self.tone = tone
    self.text = text
    self.sentence = sentence
  }

  /// The light and darker background of its tone, as the icicle's palettes pair them.
  var backgrounds: (UInt8, UInt8) {
    switch tone {
    case .more: return (210, 203)
    case .less: return (151, 114)
    case .same: return (252, 248)
    }
  }
}

/// The icicle of an ``MemoryAnalysis/AllocationTreeDifference``: each frame as wide as the larger
/// of what it holds in the two runs, red where the learner's run holds more than the reference
/// solution's, green where it holds less, with the difference written in the box.
public enum DifferenceIcicle {
  /// The mark of a frame that holds `delta` bytes more (or fewer, negative) than in the reference.
  public static func mark(delta: Int64, reference: String = "the solution", weight: IcicleWeight = .bytes)
    -> IcicleMark
  {
    let size = weight.describe(delta.magnitude)
    if delta > 0 { return IcicleMark(tone: .more, text: "+" + size, sentence: "\(size) more than \(reference)") }
    if delta < 0 { return IcicleMark(tone: .less, text: "-" + size, sentence: "\(size) less than \(reference)") }
    return IcicleMark(tone: .same, text: "=", sentence: "the same as \(reference)")
  }

  /// An explorer of `difference` whose boxes carry their marks (the explorer's tree is matched to
  /// the difference by frames, so the explorer's own folding changes nothing).
  public static func explorer(
    _ difference: AllocationTreeDifference, title: String = "difference from the solution",
    reference: String = "the solution", weight: IcicleWeight = .bytes
  ) -> IcicleExplorer {
    var explorer = IcicleExplorer(tree: difference.tree, title: title, weight: weight)
    explorer.marks = { tree, node in
      let path = tree.path(to: node).dropFirst().compactMap { tree[$0].frame }
      return difference.node(matching: path).map {
        mark(delta: difference.delta(of: $0), reference: reference, weight: weight)
      }
    }
    return explorer
  }
}
