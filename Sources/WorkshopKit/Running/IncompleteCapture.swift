import Foundation
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
}
