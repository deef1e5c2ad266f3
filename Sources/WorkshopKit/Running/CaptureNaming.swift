import Foundation

/// Names capture files the way memray names its own: `workshop-PROGRAM.PID.bin`.
public enum CaptureNaming {
  /// The default capture path for `program` in `directory`: `workshop-NAME.PID.bin`, where PID is
  /// the workshop process's own id; a suffix `-2`, `-3`, ... keeps an existing file untouched.
  public static func defaultPath(
    for program: String, in directory: String = FileManager.default.currentDirectoryPath,
    processID: Int32 = ProcessInfo.processInfo.processIdentifier
  ) -> String {
    let name = URL(fileURLWithPath: program).lastPathComponent
    let base = URL(fileURLWithPath: directory).appendingPathComponent("workshop-\(name).\(processID)").path
    var candidate = base + ".bin"
    var attempt = 2
    while FileManager.default.fileExists(atPath: candidate) {
      candidate = "\(base)-\(attempt).bin"
      attempt += 1
    }
    return candidate
  }

  /// The captures that followed children wrote beside `capturePath`: `STEM.PID.bin`, sorted.
  public static func childCaptures(of capturePath: String) -> [String] {
    let url = URL(fileURLWithPath: capturePath)
    let stem = url.deletingPathExtension().lastPathComponent
    let directory = url.deletingLastPathComponent()
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { name in
      guard name.hasPrefix(stem + "."), name.hasSuffix(".bin") else { return false }
      let middle = name.dropFirst(stem.count + 1).dropLast(4)
      return !middle.isEmpty && middle.allSatisfy(\.isNumber)
    }.sorted().map { directory.appendingPathComponent($0).path }
  }
}
