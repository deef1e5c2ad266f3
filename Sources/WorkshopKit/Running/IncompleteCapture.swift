import Foundation
import MemoryAnalysis
import Rendering

/// What to say about a capture whose tracker lost events (the LOST record): how many, and whether
/// the disk that holds it is full, the usual reason.
public enum IncompleteCapture {
  /// Free space below which the disk holding a capture is called full (a tracker's flush is 1 MiB).
  static let fullBelowBytes: UInt64 = 1 << 20

  /// The folder holding `capturePath` when its file system has less than 1 MiB free for us.
  public static func fullDisk(holding capturePath: String) -> String? {
    let folder = URL(fileURLWithPath: capturePath).deletingLastPathComponent().path
    var space = statvfs()
    guard statvfs(folder, &space) == 0 else { return nil }
    return UInt64(space.f_bavail) * UInt64(space.f_frsize) < fullBelowBytes ? folder : nil
  }

  /// `lost 5,586,815 events the tracker could not write: the disk holding /x is full, so every figure
  /// is low`; the reason when the disk is not (or no longer) full is not known.
  public static func sentence(lostEvents: UInt64, capturePath: String) -> String {
    let lost = "lost \(ByteCountText.counted(lostEvents, "event")) the tracker could not write"
    if let folder = fullDisk(holding: capturePath) {
      return "\(lost): the disk holding \(folder) is full, so the figures are missing them"
    }
    return "\(lost), so the figures are missing them"
  }

  /// For a capture cut short (no END record) on a full disk: `the capture is incomplete: the disk
  /// holding /x is full, so what happened after it is missing`; nil when the disk is not full.
  public static func cutShortSentence(capturePath: String) -> String? {
    fullDisk(holding: capturePath).map {
      "the capture is incomplete: the disk holding \($0) is full, so what happened after it is missing"
    }
  }

  /// The sentences a report adds about a profile that is short of its run, if any: lost events, or
  /// a capture cut short on a full disk.
  public static func sentences(for profile: MemoryProfile, capturePath: String) -> [String] {
    if profile.totals.lostEvents > 0 {
      return [sentence(lostEvents: profile.totals.lostEvents, capturePath: capturePath)]
    }
    if !profile.sawEnd, let cutShort = cutShortSentence(capturePath: capturePath) { return [cutShort] }
    return []
  }
}
