import Foundation
import MemoryAnalysis
import MemoryTrace

/// A program run under the real tracker through the real `workshop run`, and what it left.
public struct TrackedRun {
  /// What `workshop run` printed and how it exited.
  public let result: Command.Result
  /// The capture's path.
  public let capturePath: String
  /// The capture, analysed.
  public let profile: MemoryProfile

  /// Runs `executable` under `workshop run -o CAPTURE` in a fresh scratch folder.
  public static func run(
    _ executable: String, arguments: [String] = [], followFork: Bool = false, compress: Bool = true,
    regions: [RegionRequest] = [], standardInput: String? = nil, environment: [String: String] = [:],
    name: String = #function
  ) throws -> TrackedRun {
    try TestEnvironment.requireProducts()
    let folder = try TestEnvironment.scratchFolder(name)
    let capture = folder.appendingPathComponent("capture.bin").path
    var command = [TestEnvironment.workshopExecutable, "run", "-o", capture]
    if followFork { command.append("--follow-fork") }
    if !compress { command.append("--no-compress") }
    command += ["--", executable] + arguments
    let result = try Command.run(
      command, environment: environment, currentDirectory: folder, standardInput: standardInput)
    let profile = try MemoryProfile(contentsOf: capture, regions: regions)
    return TrackedRun(result: result, capturePath: capture, profile: profile)
  }

  /// Whether any frame of `stack` lies in the module at `path` (symlinks resolved).
  public func stack(_ stack: UInt32, passesThrough path: String) -> Bool {
    let module = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    return profile.stack(stack).contains { $0.modulePath == module }
  }

  /// Whether the innermost frame of `stack` (the allocator's caller) lies in the module at `path`.
  public func stack(_ stack: UInt32, allocatesDirectlyFrom path: String) -> Bool {
    profile.stack(stack).first?.modulePath == URL(fileURLWithPath: path).resolvingSymlinksInPath().path
  }

  /// The totals among `totals` allocated directly by code in the module at `path`.
  public func totals(_ totals: [StackTotal], allocatedDirectlyFrom path: String) -> (bytes: UInt64, count: UInt64) {
    totals.filter { stack($0.stack, allocatesDirectlyFrom: path) }.reduce((0, 0)) {
      ($0.0 + $1.bytes, $0.1 + $1.count)
    }
  }
}
