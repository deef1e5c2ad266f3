import MemoryAnalysis
import Rendering
import Symbols
import WorkshopKit

/// A finished capture and the icicles the explorer asks of it: the peak, the leaks and the
/// temporary allocations from the analysis, a chosen moment or range by reading the capture again
/// (``MemoryAnalysis/TemporalSnapshot``). Frames are named by the report's symbolizer, whose cache
/// serves every later icicle.
public final class CaptureTrees {
  /// The capture's path.
  public let path: String
  /// The capture, read and analysed.
  public let report: CaptureReport

  /// Reads and analyses the capture at `path`.
  ///
  /// - Throws: what ``WorkshopKit/CaptureReport/init(path:regions:symbolizer:)`` throws: one sentence.
  public init(path: String) throws {
    self.path = path
    report = try CaptureReport(path: path)
  }

  /// The capture at `path` analysed already (a live run's profile): not read again. A
  /// `symbolizer` given keeps naming frames from its cache.
  public init(profile: MemoryProfile, path: String, symbolizer: Symbolizer? = nil) {
    self.path = path
    report = CaptureReport(profile: profile, path: path, symbolizer: symbolizer)
  }

  /// The explorer of `view`, with the user's frames; its tree of every frame for `N` comes from
  /// ``nativeTree(for:)``, made after it (``IcicleExplorer/attachNativeTree(_:)``).
  public func explorer(for view: ProfileView) throws -> IcicleExplorer {
    IcicleExplorer(tree: try tree(for: view, filter: FrameFilter()), title: view.title)
  }

  /// The tree of every frame of `view` (the runtime's and the allocator's too), for `N`.
  public func nativeTree(for view: ProfileView) throws -> AllocationTree {
    try tree(for: view, filter: nil)
  }

  private func tree(for view: ProfileView, filter: FrameFilter?) throws -> AllocationTree {
    try AllocationTree.build(
      stacks: CaptureStacks(frames: report.profile.frames), samples: try samples(for: view),
      symbolizer: report.symbolizer, filter: filter, rootLabel: report.programName)
  }

  /// The last view's samples: its native tree is made right after its explorer, and a moment's or a
  /// range's samples take reading the whole capture again. Used by one thread at a time.
  private var lastSamples: (view: ProfileView, samples: [StackSample])?

  private func samples(for view: ProfileView) throws -> [StackSample] {
    if let lastSamples, lastSamples.view == view { return lastSamples.samples }
    let samples: [StackSample]
    switch view {
    case .peak: samples = report.samples(.peak)
    case .leaks: samples = report.samples(.leaks)
    case .temporary: samples = report.samples(.temporary)
    case .moment(let microseconds):
      samples = try Self.samples(TemporalSnapshot(contentsOf: path, query: .aliveAt(microseconds: microseconds)))
    case .range(let from, let to):
      samples = try Self.samples(TemporalSnapshot(contentsOf: path, query: .allocatedNotFreed(from: from, to: to)))
    }
    lastSamples = (view, samples)
    return samples
  }

  /// The explorer's state at the peak's icicle: the chart of the whole run with its markers.
  public func explorerState(
    heading: String, width: Int, height: Int, capabilities: TerminalCapabilities
  ) throws -> ProfileExplorerState {
    let profile = report.profile
    let points = profile.timeline.map {
      MemoryChart.Point(milliseconds: $0.milliseconds, heapBytes: $0.maxHeapBytes, residentBytes: $0.residentBytes)
    }
    let chart = LiveChart.Input(
      points: points, durationMilliseconds: profile.totals.durationMilliseconds,
      peak: MemoryChart.Peak(bytes: profile.peak.bytes, milliseconds: profile.peak.milliseconds))
    let markers = profile.markers.map {
      LiveChart.Overlay.Marker(label: $0.name, milliseconds: Double($0.microseconds) / 1000)
    }
    var state = ProfileExplorerState(
      heading: heading, chart: chart, markers: markers, width: width, height: height, capabilities: capabilities)
    // The native tree follows (``ProfileApp`` has it made off the UI thread): the screen first.
    state.show(try explorer(for: .peak), for: .peak)
    return state
  }

  private static func samples(_ snapshot: TemporalSnapshot) -> [StackSample] {
    snapshot.byStack.map { StackSample(stack: Int($0.stack), bytes: $0.bytes, count: $0.count) }
  }
}
