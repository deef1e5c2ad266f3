import Foundation
import Testing
import WorkshopTestSupport

/// `workshop run` and `workshop stats` as a user meets them.
@Suite("workshop run and workshop stats")
struct RunAndStatsCommandTests {
  @Test("run passes standard streams through and exits with the program's status")
  func passthrough() throws {
    let folder = try TestEnvironment.scratchFolder()
    let capture = folder.appendingPathComponent("c.bin").path
    let result = try Command.run(
      [TestEnvironment.workshopExecutable, "run", "-o", capture, "--", "sh", "-c", "cat; echo oops >&2; exit 3"],
      standardInput: "hello through stdin\n")
    #expect(result.status == 3)
    #expect(result.standardOutput == "hello through stdin\n")
    #expect(result.standardError.hasPrefix("oops\n"))
    #expect(result.standardError.contains("exited with status 3"))
    #expect(result.standardError.contains("peak heap"))
    #expect(result.standardError.contains("workshop stats \(capture)"))
  }

  @Test("run compresses the finished capture unless told not to, and both read the same")
  func compression() throws {
    let program = try Programs.compile("pattern_basic.c", extraFlags: ["-fno-builtin"])
    let folder = try TestEnvironment.scratchFolder()
    var summaries: [[String: Int]] = []
    for (name, flags) in [("packed.bin", [String]()), ("plain.bin", ["--no-compress"])] {
      let capture = folder.appendingPathComponent(name).path
      let run = try Command.run(
        [TestEnvironment.workshopExecutable, "run", "-o", capture] + flags + ["--", program.executable])
      #expect(run.status == 0)
      let magic = Array(try Data(contentsOf: URL(fileURLWithPath: capture)).prefix(4))
      #expect((magic == [0x28, 0xB5, 0x2F, 0xFD]) == flags.isEmpty)
      let json = try Command.run([TestEnvironment.workshopExecutable, "stats", "--json", capture]).standardOutput
      let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
      summaries.append(object.compactMapValues { $0 as? Int }.filter { !$0.key.hasSuffix("_ms") })
    }
    #expect(summaries[0] == summaries[1], "the same figures (times aside: they are two runs)")
    #expect(summaries[0]["peak_bytes"] == 7140)
  }

  @Test("run reads and compresses the capture as it grows: its summary is the capture's figures, no temporary is left")
  func followedWhileRunning() throws {
    let program = try Programs.compile("pattern_slow.c", extraFlags: ["-fno-builtin"])
    let folder = try TestEnvironment.scratchFolder()
    let capture = folder.appendingPathComponent("slow.bin").path
    let run = try Command.run([TestEnvironment.workshopExecutable, "run", "-o", capture, "--", program.executable])
    #expect(run.status == 0)
    #expect(run.standardError.contains("peak heap    97.7 KiB"), "\(run.all)")
    #expect(run.standardError.contains("leaked       48.8 KiB in 50 allocations"), "\(run.all)")
    #expect(run.standardError.contains("allocations  100 "), "\(run.all)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["slow.bin"])
    #expect(Array(try Data(contentsOf: URL(fileURLWithPath: capture)).prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
    let json = try Command.run([TestEnvironment.workshopExecutable, "stats", "--json", capture]).standardOutput
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(object["peak_bytes"] as? Int == 100_000)
    #expect(object["leaked_bytes"] as? Int == 50_000)
    #expect(object["leaked_allocations"] as? Int == 50)
    #expect(object["total_allocations"] as? Int == 100)
  }

  @Test("run never overwrites an existing capture")
  func existingCapture() throws {
    let folder = try TestEnvironment.scratchFolder()
    let capture = folder.appendingPathComponent("keep.bin")
    try Data("precious".utf8).write(to: capture)
    let result = try Command.run([TestEnvironment.workshopExecutable, "run", "-o", capture.path, "--", "true"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("keep.bin already exists"))
    #expect(try String(contentsOf: capture, encoding: .utf8) == "precious")
  }

  @Test("run names its capture after the program and never reuses a name")
  func defaultCaptureName() throws {
    let folder = try TestEnvironment.scratchFolder()
    for _ in 0..<2 {
      let result = try Command.run([TestEnvironment.workshopExecutable, "run", "--", "true"], currentDirectory: folder)
      #expect(result.status == 0)
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(names.count == 2)
    #expect(names.allSatisfy { $0.hasPrefix("workshop-true.") && $0.hasSuffix(".bin") })
  }

  @Test("run reports a program that cannot be started in one sentence")
  func missingProgram() throws {
    let result = try Command.run([TestEnvironment.workshopExecutable, "run", "--", "no-such-program-here"])
    #expect(result.status != 0)
    #expect(result.standardError.contains("could not start no-such-program-here"))
    #expect(!result.standardError.contains("Fatal error"))
  }

  @Test("stats --json gives the headline figures of a designed program")
  func statsJSON() throws {
    let program = try Programs.compile("pattern_basic.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(program.executable)
    let result = try Command.run([TestEnvironment.workshopExecutable, "stats", "--json", run.capturePath])
    #expect(result.status == 0)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    #expect(object["peak_bytes"] as? Int == 7140)
    #expect(object["total_allocations"] as? Int == 11)
    #expect(object["total_frees"] as? Int == 8)
    #expect(object["leaked_bytes"] as? Int == 1240)
    #expect(object["leaked_allocations"] as? Int == 3)
    #expect(object["threads"] as? Int == 1)
    #expect(object["total_bytes_allocated"] as? Int == 100 + 200 + 50 + 500 + 256 + 384 + 300 + 600 + 1000 + 4000 + 100)
    for key in ["peak_time_ms", "duration_ms"] { #expect(object[key] is Double || object[key] is Int) }
  }

  @Test("stats measures a region between two markers, and names the markers when one is missing")
  func statsRegion() throws {
    let program = try Programs.compile("pattern_swift.swift")
    let run = try TrackedRun.run(program.executable)
    let json = try Command.run([
      TestEnvironment.workshopExecutable, "stats", "--json", run.capturePath, "--from-marker", "start", "--to-marker",
      "end",
    ])
    #expect(json.status == 0)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
    let region = try #require(object["region"] as? [String: Any])
    #expect(region["peak_bytes"] as? Int == 300_000)
    #expect(region["allocations"] as? Int == 1_004)
    #expect(region["leaked_bytes"] as? Int == 100_048)
    let text = try Command.run([
      TestEnvironment.workshopExecutable, "stats", run.capturePath, "--from-marker", "start", "--to-marker", "end",
    ])
    #expect(text.standardOutput.contains("between the markers \"start\" and \"end\""))
    #expect(text.standardOutput.contains("peak         293.0 KiB (300,000 B) allocated there and alive at once"))
    let missing = try Command.run([TestEnvironment.workshopExecutable, "stats", run.capturePath, "--from-marker", "go"])
    #expect(missing.status != 0)
    #expect(missing.standardError.contains("has no marker \"go\": its markers are end, start"))
    #expect(!missing.standardError.contains("Usage"))
  }

  @Test("stats text names the peak, the leaks, the sizes and the top stacks by function")
  func statsText() throws {
    let program = try Programs.compile("pattern_deep.c", extraFlags: ["-O2", "-fno-builtin"])
    let run = try TrackedRun.run(program.executable)
    let result = try Command.run([TestEnvironment.workshopExecutable, "stats", run.capturePath])
    #expect(result.status == 0)
    #expect(result.standardOutput.contains("peak heap    4.8 KiB (4,900 B)"))
    #expect(result.standardOutput.contains("leaked       4.8 KiB (4,900 B) in 7 allocations"))
    #expect(result.standardOutput.contains("allocation sizes"))
    #expect(result.standardOutput.contains("1. 1000 B in 1 allocation"))
    #expect(result.standardOutput.contains("descend"))
  }

  @Test(
    "stats meets a bad capture with one sentence",
    arguments: [
      ("empty.bin", Data(), "empty"),
      ("notes.txt", Data("hello world, not a capture".utf8), "is not a workshop capture"),
    ])
  func badCaptures(name: String, contents: Data, expected: String) throws {
    let folder = try TestEnvironment.scratchFolder("bad\(name)")
    let path = folder.appendingPathComponent(name).path
    try contents.write(to: URL(fileURLWithPath: path))
    let result = try Command.run([TestEnvironment.workshopExecutable, "stats", path])
    #expect(result.status != 0)
    #expect(result.standardError.contains(expected))
    #expect(result.standardError.split(separator: "\n").count == 1)
  }

  @Test("stats reads a capture cut short and says so")
  func truncatedCapture() throws {
    let program = try Programs.compile("pattern_basic.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(program.executable, compress: false)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: run.capturePath))
    bytes.removeLast(bytes.count / 3)
    let cut = run.capturePath + ".cut"
    try bytes.write(to: URL(fileURLWithPath: cut))
    let result = try Command.run([TestEnvironment.workshopExecutable, "stats", cut])
    #expect(result.status == 0)
    #expect(result.standardError.contains("truncated"))
    #expect(result.standardOutput.contains("peak heap"))
  }

  @Test("stats meets a compressed capture cut short before its first block with one sentence")
  func truncatedCompressedCapture() throws {
    let run = try TrackedRun.run("/bin/true")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: run.capturePath)).prefix(12)
    let cut = run.capturePath + ".cut"
    try bytes.write(to: URL(fileURLWithPath: cut))
    let result = try Command.run([TestEnvironment.workshopExecutable, "stats", cut])
    #expect(result.status != 0)
    #expect(result.standardError.contains("compressed capture cut short after 12 bytes"))
  }
}
