// Turns a capture into the trees and tables of `workshop flamegraph` and `workshop summary`.
import MemoryAnalysis
import MemoryTrace
import Rendering
import Symbols

/// Which allocations a report is about.
public enum ReportSelection: String, Sendable, CaseIterable {
  /// What was alive at the peak.
  case peak
  /// What was still alive at exit.
  case leaks
  /// Allocations freed before their thread allocated again.
  case temporary

  /// What a profile needs to hold for this selection's tree (``CaptureReport/samples(_:)``) and no
  /// more: its one per-stack list, whole (no size histogram, no temporaries unless they are the list).
  public var detail: MemoryProfiler.Detail {
    switch self {
    case .peak: return .lists(.init(aliveAtPeak: .max, sizesAndTemporaries: false))
    case .leaks: return .lists(.init(leaks: true, sizesAndTemporaries: false))
    case .temporary: return .lists(.init(temporaries: true))
    }
  }

  /// The legend's name for it.
  public var title: String {
    switch self {
    case .peak: return "peak memory"
    case .leaks: return "leaked at exit"
    case .temporary: return "temporary allocations"
    }
  }
}

/// A capture read and analysed, ready to be drawn as trees, with its frames named on demand.
///
/// Symbols are resolved here, when the report is made, on the machine where the program ran:
/// every frame a report needs goes to the symbolizer in one batch, and the cache keeps them for
/// the next tree of the same report.
public final class CaptureReport {
  /// The analysis of the whole capture.
  public let profile: MemoryProfile
  /// Names frames; shared by every tree made from this report.
  public let symbolizer: Symbolizer
  /// Problems worth a line on standard error: no symbolizer, a capture cut short.
  public private(set) var warnings: [String] = []

  /// Reads and analyses the capture at `path`, measuring `regions` too, working out what `detail`
  /// names (a report that draws one selection's tree needs ``ReportSelection/detail`` only).
  public convenience init(
    path: String, regions: [RegionRequest] = [], detail: MemoryProfiler.Detail = .everything,
    symbolizer: Symbolizer? = nil
  ) throws {
    // The C library's debug information loads while the capture is read (cold symbol cache only).
    if symbolizer == nil { Symbolizer.startEarly() }
    let profile: MemoryProfile
    do {
      profile = try MemoryProfile(contentsOf: path, regions: regions, detail: detail)
    } catch {
      if symbolizer == nil { Symbolizer.discardEarly() }
      throw error
    }
    self.init(profile: profile, path: path, symbolizer: symbolizer)
  }

  /// A report of the capture at `path` analysed already (a live run's, as it was followed).
  public init(profile: MemoryProfile, path: String, symbolizer: Symbolizer? = nil) {
    self.profile = profile
    if let symbolizer {
      self.symbolizer = symbolizer
    } else {
      let (standard, problem) = Symbolizer.standard()
      self.symbolizer = standard
      if let problem { warnings.append("\(problem); frames are named by module and offset only") }
    }
    if let problem = profile.readProblem { warnings.append("\(problem)") }
    warnings += IncompleteCapture.sentences(for: profile, capturePath: path)
  }

  /// The program's name, for the root of every tree.
  public var programName: String {
    let executable = profile.command?.executable ?? "program"
    return executable.split(separator: "/").last.map(String.init) ?? executable
  }

  /// The samples of `selection`: bytes and allocations per stack.
  public func samples(_ selection: ReportSelection) -> [StackSample] {
    let totals: [StackTotal]
    switch selection {
    case .peak: totals = profile.peak.aliveByStack
    case .leaks: totals = profile.leaks
    case .temporary: totals = profile.temporaries.byStack
    }
    return totals.map { StackSample(stack: Int($0.stack), bytes: $0.bytes, count: $0.count) }
  }

  /// The allocation tree of `selection`, with every frame (`native`) or only the user's, upside down
  /// when `inverted`.
  ///
  /// With `bounds` (not inverted), only what an icicle drawn within them can show is built (see
  /// ``AllocationTree/build(stacks:samples:symbolizer:filter:rootLabel:drawnWithin:)``): draw that
  /// tree within those bounds only.
  ///
  /// - Complexity: see ``AllocationTree/build(stacks:samples:symbolizer:filter:rootLabel:)``.
  public func tree(
    _ selection: ReportSelection, native: Bool = false, inverted: Bool = false,
    drawnWithin bounds: AllocationTree.IcicleBounds? = nil
  ) throws -> AllocationTree {
    let tree = try AllocationTree.build(
      stacks: CaptureStacks(frames: profile.frames), samples: samples(selection), symbolizer: symbolizer,
      filter: native ? nil : FrameFilter(), rootLabel: programName, drawnWithin: inverted ? nil : bounds)
    return inverted ? tree.inverted() : tree
  }

  /// The frames of one stack of this capture as one-line labels, innermost first, inlined frames
  /// expanded; without `native`, only the frames the user wrote or called. For `workshop stats`'s
  /// top stacks.
  public func frameLabels(ofStack stack: UInt32, native: Bool = false) -> [String] {
    Self.frameLabels(ofStack: stack, in: profile.frames, symbolizer: symbolizer, native: native)
  }

  /// Names the frames of all of `stacks` in one symbolizer batch, so that the labels of each
  /// (``frameLabels(ofStack:native:)``) come from the cache: one symbolizer run for a report's
  /// top stacks instead of one per stack.
  public func resolveFrames(ofStacks stacks: some Sequence<UInt32>) {
    let captureStacks = CaptureStacks(frames: profile.frames)
    try? symbolizer.resolve(stacks.flatMap { Self.locations(ofStack: $0, in: captureStacks) })
  }

  /// The frames of `stack` in `frames` as one-line labels, innermost first (see the instance method).
  public static func frameLabels(
    ofStack stack: UInt32, in frames: FrameTable, symbolizer: Symbolizer, native: Bool = false
  ) -> [String] {
    let locations = Self.locations(ofStack: stack, in: CaptureStacks(frames: frames))
    var named = symbolizer.frames(ofStack: locations)  // innermost first
    if !native { named = FrameFilter().visibleFrames(named.reversed()).reversed() }
    return named.map(\.label)
  }

  /// The locations of `stack`'s frames, innermost first.
  private static func locations(ofStack stack: UInt32, in stacks: CaptureStacks) -> [CodeLocation] {
    var locations: [CodeLocation] = []
    var node = Int(stack)
    while node != 0 {
      var location = stacks.location(of: node)
      location.isReturnAddress = node != Int(stack) || stacks.innermostFrameIsReturnAddress
      locations.append(location)
      node = stacks.parent(of: node)
    }
    return locations
  }
}
