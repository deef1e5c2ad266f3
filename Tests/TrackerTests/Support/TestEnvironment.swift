import Foundation
import Testing

/// Where the built products and the test programs are, and how to compile a test program.
enum TestEnvironment {
  /// The build products folder: the one that holds this test bundle, `workshop` and the tracker.
  static let productsFolder: URL = {
    if let binPath = ProcessInfo.processInfo.environment["WORKSHOP_BIN_PATH"], !binPath.isEmpty {
      return URL(fileURLWithPath: binPath)
    }
    var url = Bundle.main.bundleURL
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("workshop").path) {
      url.deleteLastPathComponent()
    }
    return url
  }()

  /// The preloaded tracker library built by Scripts/bootstrap.sh.
  static var trackerLibrary: String { productsFolder.appendingPathComponent("libworkshop_tracker.so").path }

  /// The `workshop` executable.
  static var workshopExecutable: String { productsFolder.appendingPathComponent("workshop").path }

  /// The C and Swift test programs' sources.
  static let programsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Programs")

  /// A fresh scratch folder for one test.
  static func scratchFolder(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-tests")
      .appendingPathComponent("\(safe)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
