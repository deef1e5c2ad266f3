// `workshop stats` as text: the headline figures, the size histogram and the top stacks at the peak.
import MemoryAnalysis
import MemoryTrace
import Foundation

/// Renders the statistics of a profile as a grid of plain text (no I/O).
public enum StatsText {
  /// One stack shown under "top stacks": its bytes and allocations at the peak, and its frames.
  public struct StackEntry: Sendable, Equatable {
    /// Bytes alive at the peak from this stack.
    public var bytes: UInt64
    /// Allocations alive at the peak from this stack.
    public var count: UInt64
    /// Frame labels, innermost first.
    public var frames: [String]

    /// The frames as report lines, `#0 …` innermost first, indented under the entry's heading.
    public var frameLines: [String] { frameLines(foldingRecursion: false) }

    /// The frames as report lines, innermost first. Folding recursion, as heaptrack does, a run of
    /// consecutive frames of one function is one line, `#2-#59 (58 deep) f() (F.swift:12)`,
    /// with the innermost frame's location (where the run allocated). At most `limit` lines, the
    /// last one saying how many frames were left out.
    public func frameLines(foldingRecursion: Bool, limit: Int? = nil) -> [String] {
      guard !frames.isEmpty else { return ["       (no stack was recorded)"] }
      var lines: [String] = []
      var index = 0
      while index < frames.count {
        var end = index + 1
        if foldingRecursion {
          let function = Self.function(of: frames[index])
          while end < frames.count, Self.function(of: frames[end]) == function { end += 1 }
        }
        if let limit, lines.count == limit - 1, end < frames.count {
          let left = frames.count - index
          lines.append("       ... \(left) more frame\(left == 1 ? "" : "s") (#\(index)-#\(frames.count - 1))")
          break
        }
        lines.append(
          end - index == 1
            ? "       #\(index) \(frames[index])"
            : "       #\(index)-#\(end - 1) (\(end - index) deep) \(frames[index])")
        index = end
      }
      return lines
    }

    /// A frame label's function: the label without its trailing `(File.swift:12)` or
    /// `(libfoo.so+0x1f)` location.
    static func function(of label: String) -> Substring {
      guard label.hasSuffix(")"), let open = label.range(of: " (", options: .backwards) else { return label[...] }
      return label[..<open.lowerBound]
    }

    /// An entry as given.
    public init(bytes: UInt64, count: UInt64, frames: [String]) {
      self.bytes = bytes
      self.count = count
      self.frames = frames
    }
  }

  /// The report: `profile`'s figures, then `topStacks` (already named, largest first).
  ///
  /// - Parameters:
  ///   - capturePath: shown on the first line.
  ///   - unicode: draw histogram bars with block characters rather than `#`.
  ///   - width: wrap lines at words to this many columns (a path or a number is never split).
  public static func render(
    _ profile: MemoryProfile, capturePath: String, topStacks: [StackEntry], unicode: Bool, width: Int? = nil
  ) -> CellGrid {
    var lines: [String] = []
    let program = profile.command?.executable ?? "an unknown program"
    let pid = profile.header.map { ", pid \($0.pid)" } ?? ""
    lines.append("capture      \(capturePath) (\(program)\(pid))")
    lines.append(
      "duration     \(ByteCountText.duration(milliseconds: profile.totals.durationMilliseconds)), "
        + ByteCountText.counted(UInt64(profile.totals.threads), "thread"))
    lines.append(
      "peak heap    \(bytes(profile.peak.bytes)) at \(ByteCountText.duration(milliseconds: profile.peak.milliseconds))")
    lines.append(
      "leaked       \(bytes(profile.leakedBytes)) in \(ByteCountText.counted(profile.leakedAllocations, "allocation"))")
    lines.append(
      "allocations  \(ByteCountText.grouped(profile.totals.allocations)) "
        + "(\(bytes(profile.totals.bytesAllocated)) in all), "
        + "\(ByteCountText.grouped(profile.totals.frees)) freed")
    lines.append(
      "temporary    \(ByteCountText.counted(profile.temporaries.count, "allocation")) (\(bytes(profile.temporaries.bytes))) "
        + "freed before their thread allocated again")
    if profile.totals.unknownFrees > 0 {
      lines.append(
        "unmatched    \(ByteCountText.counted(profile.totals.unknownFrees, "free")) of blocks allocated before tracking began"
      )
    }
    if profile.totals.lostEvents > 0 {
      lines.append(
        "lost         \(ByteCountText.counted(profile.totals.lostEvents, "event")) the tracker could not write")
    }
    let header = lines.count
    lines.append("")
    lines.append(contentsOf: histogram(profile.histogram, unicode: unicode))
    lines.append("")
    lines.append("top stacks at the peak")
    if topStacks.isEmpty { lines.append("  (nothing was alive at the peak)") }
    for (rank, entry) in topStacks.enumerated() {
      lines.append(
        "  \(rank + 1). \(bytes(entry.bytes)) in \(ByteCountText.counted(entry.count, "allocation"))"
          + " (\(ByteCountText.percent(entry.bytes, of: profile.peak.bytes)) of the peak)")
      lines.append(contentsOf: entry.frameLines)
    }
    guard let width else { return CellGrid(lines: lines) }
    // The header's values continue under their column, the rest hang under their line.
    return CellGrid(
      lines: lines.enumerated().flatMap { index, line in
        ReportLineWrap.wrap(line, width: width, hangingIndent: index < header ? 13 : nil)
      })
  }

  /// The measures of a region between markers, as a short section.
  public static func renderRegion(_ region: RegionSummary) -> CellGrid {
    let end = region.toMarker.map { region.endedAtMarker ? "\"\($0)\"" : "the end (no \"\($0)\" marker followed)" }
    var lines = ["", "between the markers \"\(region.fromMarker)\" and \(end ?? "the end of the run")"]
    lines.append("  peak         \(bytes(region.peakBytes)) allocated there and alive at once")
    lines.append(
      "  allocations  \(ByteCountText.grouped(region.allocations)) (\(bytes(region.bytesAllocated)) in all), "
        + "\(ByteCountText.grouped(region.temporaryAllocations)) temporary")
    lines.append(
      "  leaked       \(bytes(region.leakedBytes)) in \(ByteCountText.counted(region.leakedAllocations, "allocation"))")
    return CellGrid(lines: lines)
  }

  /// The histogram of allocation sizes, one power-of-two bucket a line, bars scaled to the largest.
  static func histogram(_ histogram: SizeHistogram, unicode: Bool) -> [String] {
    let buckets = histogram.buckets.filter { $0.count > 0 }
    guard let largest = buckets.map(\.count).max() else { return ["allocation sizes: none"] }
    let barWidth = 30
    var lines = ["allocation sizes"]
    let labels = buckets.map { "\(ByteCountText.describe($0.lowerBound)) – \(ByteCountText.describe($0.upperBound))" }
    let labelWidth = labels.map(\.count).max() ?? 0
    let countWidth = buckets.map { ByteCountText.grouped($0.count).count }.max() ?? 0
    for (bucket, label) in zip(buckets, labels) {
      let length = max(1, Int((Double(bucket.count) / Double(largest) * Double(barWidth)).rounded()))
      let bar = String(repeating: unicode ? "█" : "#", count: length)
      let count = ByteCountText.grouped(bucket.count)
      let shownLabel = unicode ? label : label.replacingOccurrences(of: "–", with: "-")
      lines.append(
        "  \(pad(shownLabel, labelWidth))  \(String(repeating: " ", count: countWidth - count.count))\(count)  \(bar)")
    }
    return lines
  }

  private static func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
  }

  private static func bytes(_ value: UInt64) -> String {
    value < 1024 ? "\(value) B" : "\(ByteCountText.describe(value)) (\(ByteCountText.grouped(value)) B)"
  }

}
