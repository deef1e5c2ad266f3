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

  /// The captures that followed children wrote beside `capturePath`, sorted: `STEM.PID.bin`, or
  /// `STEM.PID-N.bin` when that name was taken (an exec()ed program after its fork()ed self).
  ///
  /// - Parameter since: only files modified since then (this run's), so that children of an earlier
  ///   run with the same name are left out.
  public static func childCaptures(of capturePath: String, since: Date? = nil) -> [String] {
    let url = URL(fileURLWithPath: capturePath)
    let stem = url.deletingPathExtension().lastPathComponent
    let directory = url.deletingLastPathComponent()
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { name in
      guard name.hasPrefix(stem + "."), name.hasSuffix(".bin") else { return false }
      let middle = name.dropFirst(stem.count + 1).dropLast(4)
      let parts = middle.split(separator: "-", omittingEmptySubsequences: false)
      guard (1...2).contains(parts.count),
        parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
      else { return false }
      guard let since else { return true }
      let path = directory.appendingPathComponent(name).path
      let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? nil
      return (modified ?? .distantPast) >= since
    }.sorted().map { directory.appendingPathComponent($0).path }
  }
}
