import Foundation
import MemoryTrace
import Testing
import WorkshopTestSupport

/// Crafted captures given to the real `workshop` readers: every one ends in figures or one sentence,
/// never in a trap, a hang or a wrong figure.
@Suite struct HostileCaptureTests {
  /// Runs `workshop ARGUMENTS` with a time limit and checks that it was not ended by a signal.
  func workshop(_ arguments: [String], timeLimit: Double = 30) throws -> Command.Result {
    let result = try Command.run(
      [TestEnvironment.workshopExecutable] + arguments, environment: ["WORKSHOP_COLOR": "never"], timeLimit: timeLimit)
    #expect(result.signal == nil && result.status < 128, "a trap or a signal: \(result.all)")
    #expect(!result.standardError.contains("Fatal error"), "\(result.all)")
    return result
  }

  /// A capture whose only allocations are `sizes`, at distinct addresses, none freed.
  func capture(sizes: [UInt64], in scratch: ScratchDirectory) -> String {
    var writer = CaptureWriter()
    writer.command("/bin/crafted", [])
    writer.thread(7)
    let stack = writer.stack([0x1000, 0x2000])
    for (index, size) in sizes.enumerated() { writer.alloc(address: UInt64(index + 1) << 20, size: size, stack: stack) }
    writer.tick(microseconds: 1000)
    writer.end(microseconds: 2000)
    return scratch.write(writer.bytes, to: "capture.bin")
  }

  @Test("a size near 2^64 is damage, said in one sentence by every reader")
  func sizeNearTwoToThe64() throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    let path = capture(sizes: [UInt64.max - 7], in: scratch)
    let sentence =
      "\(path) has an alloc record of 18446744073709551608 bytes, more than a process can address, at byte 73: the file is damaged after that point"
    for command in [["stats"], ["stats", "--json"], ["flamegraph"], ["flamegraph", "--leaks"], ["summary"]] {
      let result = try workshop(command + [path])
      #expect(result.standardError.contains(sentence), "\(command): \(result.all)")
    }
  }

  @Test("four 2^62-byte blocks are damage, not a total of 0")
  func sumThatWraps() throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    let path = capture(sizes: Array(repeating: 1 << 62, count: 4), in: scratch)
    let result = try workshop(["stats", "--json", path])
    #expect(result.standardError.contains("an alloc record of 4611686018427387904 bytes"), "\(result.all)")
    // The figures stop before the damage: nothing was allocated before it.
    #expect(result.standardOutput.contains("\"total_allocations\":0,"), "\(result.all)")
  }

  @Test("blocks each possible whose sum is not are damage at the record that passes the bound")
  func sumPastTheBound() throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    let path = capture(sizes: Array(repeating: 1 << 56, count: 65), in: scratch)
    let result = try workshop(["stats", "--json", path])
    #expect(
      result.standardError.contains(
        "an alloc record that brings the bytes allocated to 4683743612465315840, more than a program can allocate in a run,"
      ), "\(result.all)")
    // The 64 records before it are figures: 2^62 bytes, peak and leaks alike.
    #expect(result.standardOutput.contains("\"total_bytes_allocated\":4611686018427387904"), "\(result.all)")
    #expect(result.standardOutput.contains("\"peak_bytes\":4611686018427387904"), "\(result.all)")
    for command in [["stats"], ["flamegraph"], ["flamegraph", "--leaks"], ["summary"]] {
      _ = try workshop(command + [path])
    }
  }

  /// A capture with one allocation whose two frames lie in `module`.
  func capture(module: String, in scratch: ScratchDirectory) -> String {
    var writer = CaptureWriter()
    writer.command("/bin/crafted", [])
    writer.modules([Module(path: module, loadBias: 0x10_0000, lowAddress: 0x10_0000, highAddress: 0x20_0000)])
    writer.thread(7)
    let stack = writer.stack([0x10_1000, 0x10_2000])
    writer.alloc(address: 1 << 20, size: 64, stack: stack)
    writer.tick(microseconds: 1000)
    writer.end(microseconds: 2000)
    return scratch.write(writer.bytes, to: "capture.bin")
  }

  @Test("modules named /dev/zero or a FIFO are not read: every report ends", .timeLimit(.minutes(2)))
  func devicesAsModules() throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    let fifo = scratch.path + "/fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    for module in ["/dev/zero", fifo] {
      let path = capture(module: module, in: scratch)
      for command in [["stats"], ["flamegraph"], ["summary"]] {
        let result = try workshop(command + [path], timeLimit: 20)
        #expect(result.status == 0, "\(result.all)")
      }
      let result = try workshop(["flamegraph", "--native", "--format", "folded", path], timeLimit: 20)
      let name = module.split(separator: "/").last!
      #expect(result.standardOutput.contains("\(name)+0x"), "\(result.all)")
    }
  }

  @Test("the symbolizer dies with workshop", .timeLimit(.minutes(3)))
  func symbolizerDiesWithUs() throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    // A module with debug information (the test build of workshop): only a symbolizer names it.
    let path = capture(module: TestEnvironment.workshopExecutable, in: scratch)
    let pidFile = scratch.path + "/symbolizer.pid"
    let script = scratch.path + "/symbolizer"
    try "#!/bin/sh\necho $$ > \(pidFile)\nexec sleep 300\n".write(toFile: script, atomically: true, encoding: .utf8)
    chmod(script, 0o755)
    let workshop = Process()
    workshop.executableURL = URL(fileURLWithPath: TestEnvironment.workshopExecutable)
    workshop.arguments = ["flamegraph", path]
    workshop.environment = ProcessInfo.processInfo.environment.merging(["WORKSHOP_LLVM_SYMBOLIZER": script]) { $1 }
    workshop.standardOutput = FileHandle.nullDevice
    workshop.standardError = FileHandle.nullDevice
    try workshop.run()
    var symbolizer: Int32?
    for _ in 0..<200 where symbolizer == nil {
      usleep(50_000)
      symbolizer = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap {
        Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
      }
    }
    let pid = try #require(symbolizer)
    kill(workshop.processIdentifier, SIGKILL)
    workshop.waitUntilExit()
    var alive = true
    for _ in 0..<100 where alive {
      usleep(20_000)
      // Gone, or a zombie waiting for init to reap it.
      let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ")
      alive = state.map { $0.count > 2 && $0[2] != "Z" } ?? false
    }
    #expect(!alive, "the symbolizer \(pid) outlived workshop")
    if alive { kill(pid, SIGKILL) }
  }

  /// Runs `workshop ARGUMENTS` with its address space bounded to `megabytes`.
  func workshop(_ arguments: [String], addressSpaceMegabytes megabytes: Int) throws -> Command.Result {
    let command = ([TestEnvironment.workshopExecutable] + arguments).map { "'\($0)'" }.joined(separator: " ")
    let result = try Command.run(
      ["/bin/sh", "-c", "ulimit -v \(megabytes * 1024) && exec \(command)"], environment: ["WORKSHOP_COLOR": "never"],
      timeLimit: 120)
    #expect(result.signal == nil && result.status < 128, "a trap or a signal: \(result.all)")
    return result
  }

  @Test("a small compressed capture holding 256 MB of markers is read in bounded memory", .timeLimit(.minutes(3)))
  func markerBomb() throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    var writer = CaptureWriter()
    writer.command("/bin/crafted", [])
    writer.thread(7)
    let name = String(repeating: "m", count: 1000)
    for _ in 0..<(256 << 10) { writer.marker(name) }
    writer.tick(microseconds: 1000)
    writer.end(microseconds: 2000)
    let path = scratch.write(writer.bytes, to: "bomb.bin")
    writer = CaptureWriter()
    _ = try CaptureCompression.compress(path: path)
    let compressed = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    #expect(compressed < 1 << 20)
    let result = try workshop(["stats", "--json", path], addressSpaceMegabytes: 300)
    #expect(result.status == 0, "\(result.all)")
    #expect(result.standardOutput.contains("\"total_allocations\":0"), "\(result.all)")
  }

  @Test("stats on a capture still being written reports what is there now, and says so", .timeLimit(.minutes(2)))
  func liveCapture() throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    // A writer that keeps the capture open and growing: records appended for as long as it lives.
    var writer = CaptureWriter(header: CaptureHeader(pid: 0, parentPID: 1, pageSize: 4096))
    writer.command("/bin/crafted", [])
    writer.thread(7)
    writer.tick(microseconds: 1000)
    let path = scratch.write(writer.bytes, to: "live.bin")
    var chunk = CaptureWriter(header: nil)
    for index in 0..<20_000 { chunk.alloc(address: UInt64(index + 1) << 12, size: 32) }
    for index in 0..<20_000 { chunk.free(address: UInt64(index + 1) << 12) }
    let chunkPath = scratch.write(chunk.bytes, to: "chunk.bin")
    let appender = Process()
    appender.executableURL = URL(fileURLWithPath: "/bin/sh")
    // It grows the file for a while, then keeps it open without writing: a bounded size, so that the
    // time this takes does not grow with how late a loaded machine starts the report.
    appender.arguments = [
      "-c",
      "exec 3>>'\(path)'; i=0; while [ $i -lt 150 ]; do cat '\(chunkPath)' >&3; i=$((i + 1)); sleep 0.005; done;"
        + " exec sleep 600",
    ]
    try appender.run()
    defer {
      kill(-appender.processIdentifier, SIGKILL)
      appender.terminate()
      appender.waitUntilExit()
    }
    // The header names the writer, as the tracker's does.
    let pid = UInt32(appender.processIdentifier)
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    try handle.seek(toOffset: 16)
    handle.write(Data((0..<4).map { UInt8(truncatingIfNeeded: pid >> (8 * $0)) }))
    try handle.close()
    usleep(200_000)
    let result = try workshop(["stats", path], timeLimit: 30)
    #expect(result.status == 0, "\(result.all)")
    #expect(result.seconds < 20)
    #expect(
      result.standardError.contains("\(path) is still being written by process \(pid): showing what is there now"),
      "\(result.all)")
  }

  @Test("escape sequences in a capture never reach the terminal", .timeLimit(.minutes(3)))
  func escapeSequences() throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    let escape = "\u{1b}[2J\u{1b}]0;pwned\u{07}\u{9b}"
    var writer = CaptureWriter()
    writer.command("/bin/evil" + escape, ["arg" + escape])
    writer.modules([Module(path: "/no/such/lib\(escape).so", loadBias: 0x1000, lowAddress: 0x1000, highAddress: 0x9000)]
    )
    writer.thread(7)
    let stack = writer.stack([0x2000])
    writer.marker("mark" + escape)
    writer.alloc(address: 64, size: 100, stack: stack)
    writer.tick(microseconds: 1000)
    writer.end(microseconds: 2000)
    let path = scratch.write(writer.bytes, to: "escapes.bin")
    for command in [
      ["stats"], ["stats", "--json"], ["summary"], ["flamegraph"], ["flamegraph", "--format", "folded"],
      ["flamegraph", "--native", "--format", "folded"], ["stats", "--from-marker", "nope"],
    ] {
      let result = try workshop(command + [path])
      let output = result.standardOutput + result.standardError
      #expect(!output.unicodeScalars.contains { $0 == "\u{1b}" || $0 == "\u{07}" || $0 == "\u{9b}" }, "\(command)")
    }
    let error = try workshop(["stats", "--from-marker", "nope", path])
    #expect(error.standardError.contains("its markers are mark"), "\(error.all)")
  }

  @Test(
    "run --help is help; an empty or unwritable --output is refused before the program starts", .timeLimit(.minutes(3)))
  func runArguments() throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    let help = try workshop(["run", "--help"])
    #expect(help.status == 0)
    #expect(help.standardOutput.contains("USAGE: workshop run"), "\(help.all)")
    let marker = scratch.path + "/ran"
    let locked = scratch.path + "/locked"
    try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
    chmod(locked, 0o500)
    defer { chmod(locked, 0o700) }
    var outputs = [
      ("", "--output is empty: name the capture file to write"),
      (scratch.path + "/none/c.bin", "there is no folder \(scratch.path)/none"),
    ]
    // root writes anywhere: the mode bits only bind other users.
    if getuid() != 0 { outputs.append((locked + "/c.bin", "the folder \(locked) is not writable")) }
    for (output, sentence) in outputs {
      let result = try workshop(["run", "-o", output, "--", "/bin/sh", "-c", "touch '\(marker)'"])
      #expect(result.status != 0)
      #expect(result.standardError.contains(sentence), "\(result.all)")
      #expect(!FileManager.default.fileExists(atPath: marker), "the program ran untracked")
    }
  }

  @Test("run never writes through a symbolic link planted at its temporary file", .timeLimit(.minutes(3)))
  func symlinkedTemporaryFile() throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    let victim = scratch.write(Array("precious\n".utf8), to: "victim.txt")
    let capture = scratch.path + "/c.bin"
    #expect(symlink(victim, capture + ".compressing") == 0)
    let result = try workshop(["run", "-o", capture, "--", "/bin/true"])
    #expect(result.status == 0, "\(result.all)")
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
    let stats = try workshop(["stats", "--json", capture])
    #expect(stats.status == 0, "\(stats.all)")
    var status = stat()
    #expect(lstat(capture + ".compressing", &status) != 0, "the temporary file is gone")
  }

  @Test(
    "run sent SIGTERM or SIGHUP passes it on, finishes the capture and exits 128 + signal",
    .timeLimit(.minutes(2)), arguments: [SIGTERM, SIGHUP])
  func terminated(signal: Int32) throws {
    try TestEnvironment.requireProducts()
    let scratch = ScratchDirectory()
    let capture = scratch.path + "/c.bin"
    let duration = "\(signal)01.5"  // distinct per signal: the two cases run side by side
    let workshop = Process()
    workshop.executableURL = URL(fileURLWithPath: TestEnvironment.workshopExecutable)
    workshop.arguments = ["run", "-o", capture, "--", "/bin/sleep", duration]
    workshop.standardError = FileHandle.nullDevice
    try workshop.run()
    // Until the tracker has written its first records.
    for _ in 0..<200 {
      if ((try? FileManager.default.attributesOfItem(atPath: capture)[.size] as? Int) ?? 0) ?? 0 > 100 { break }
      usleep(25_000)
    }
    kill(workshop.processIdentifier, signal)
    workshop.waitUntilExit()
    #expect(workshop.terminationReason == .exit)
    #expect(workshop.terminationStatus == 128 + signal)
    let sleepers = try Command.run(["pgrep", "-f", "sleep \(duration)"], timeLimit: 10)
    #expect(sleepers.standardOutput.isEmpty, "the program outlived workshop: \(sleepers.standardOutput)")
    if !sleepers.standardOutput.isEmpty { _ = try? Command.run(["pkill", "-KILL", "-f", "sleep \(duration)"]) }
    let bytes = try #require(FileManager.default.contents(atPath: capture))
    #expect(Array(bytes.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD], "the capture is compressed")
    #expect(!FileManager.default.fileExists(atPath: capture + ".compressing"))
    let stats = try self.workshop(["stats", "--json", capture])
    #expect(stats.status == 0, "\(stats.all)")
  }

  /// Inputs the capture fuzzer (Tests/Fuzz/capture.sh) found, kept once fixed.
  static let fuzzCaptures: [String] = {
    let folder = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Fuzz/captures").path
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return names.sorted().map { folder + "/" + $0 }
  }()

  @Test("the fuzzer's findings read to figures or one sentence", .timeLimit(.minutes(2)), arguments: fuzzCaptures)
  func fuzzFindings(path: String) throws {
    try TestEnvironment.requireProducts()
    for command in [["stats"], ["stats", "--json"], ["flamegraph"], ["flamegraph", "--leaks"], ["summary"]] {
      let result = try workshop(command + [path], timeLimit: 20)
      #expect(result.status <= 1, "\(command): \(result.all)")
    }
  }
}
