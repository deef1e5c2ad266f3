// Shared by the test targets that run real programs: where the built products are.
import Foundation

/// Where the built products are, and scratch folders for tests.
public enum TestEnvironment {
  /// The build products folder: `WORKSHOP_BIN_PATH` (Scripts/test.sh sets it), else the folder of
  /// this test bundle that holds `workshop`.
  public static let productsFolder: URL = {
    if let binPath = ProcessInfo.processInfo.environment["WORKSHOP_BIN_PATH"], !binPath.isEmpty {
      return URL(fileURLWithPath: binPath)
    }
    var url = Bundle.main.bundleURL
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("workshop").path) {
      url.deleteLastPathComponent()
    }
    return url
  }()

  /// The repository's root folder.
  public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The preloaded tracker library that Scripts/bootstrap.sh builds beside `workshop`.
  public static var trackerLibrary: String { productsFolder.appendingPathComponent("libworkshop_tracker.so").path }

  /// The `workshop` executable.
  public static var workshopExecutable: String { productsFolder.appendingPathComponent("workshop").path }

  /// Fails, with what to do, when the products a test needs were not built: a missing tracker is a
  /// broken build, never a reason to skip.
  public static func requireProducts() throws {
    for path in [workshopExecutable, trackerLibrary] where !FileManager.default.fileExists(atPath: path) {
      throw TestSupportError("\(path) is missing: run the tests with Scripts/test.sh, which builds it")
    }
  }

  /// A fresh scratch folder for one test, named after it.
  public static func scratchFolder(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-tests")
      .appendingPathComponent("\(safe)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}

/// A failure to prepare a test, said in one sentence.
public struct TestSupportError: Error, CustomStringConvertible {
  /// The sentence.
  public let description: String

  /// An error that says `description`.
  public init(_ description: String) { self.description = description }
}
