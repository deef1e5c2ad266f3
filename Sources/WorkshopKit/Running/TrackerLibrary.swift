import Foundation

/// Finds the preloaded tracker library, `libworkshop_tracker.so`.
///
/// Scripts/bootstrap.sh builds it with the C compiler into the same folder as the `workshop`
/// executable (SwiftPM cannot build it: it would link the Swift runtime into it).
public enum TrackerLibrary {
  /// The library's file name.
  public static let fileName = "libworkshop_tracker.so"

  /// The path of the tracker library: `WORKSHOP_TRACKER_LIBRARY` when set, else the file beside
  /// the running executable (as the kernel knows it: found through `PATH` or a symlink, it is still
  /// the real file), else beside `WORKSHOP_BIN_PATH`'s folder.
  public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
    var candidates: [String] = []
    if let explicit = environment["WORKSHOP_TRACKER_LIBRARY"], !explicit.isEmpty {
      candidates.append(explicit)
    }
    candidates.append(runningExecutable().deletingLastPathComponent().appendingPathComponent(fileName).path)
    if let binPath = environment["WORKSHOP_BIN_PATH"], !binPath.isEmpty {
      candidates.append(URL(fileURLWithPath: binPath).appendingPathComponent(fileName).path)
    }
    if let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) {
      return found
    }
    throw WorkshopError.trackerLibraryMissing(searched: candidates)
  }

  /// The running executable's real path: `/proc/self/exe`, which names the file whatever `argv[0]`
  /// says (`workshop` alone when it was found through `PATH`); `argv[0]` where there is no `/proc`.
  static func runningExecutable() -> URL {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return URL(fileURLWithPath: path)
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
  }
}
