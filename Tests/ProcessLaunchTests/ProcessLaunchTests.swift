import Foundation
import ProcessLaunch
import Testing
import WorkshopTestSupport

#if canImport(Glibc)
  import Glibc
#endif

@Suite("Launching child programs")
struct ProcessLaunchTests {
  let scratch: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("launch-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }()

  func launch(_ script: String, directory: String? = nil) -> ProcessLaunch {
    ProcessLaunch(
      arguments: ["sh", "-c", script], environment: ProcessInfo.processInfo.environment, directory: directory,
      standardInputPath: "/dev/null", standardOutputPath: scratch.appendingPathComponent("out").path,
      standardErrorPath: scratch.appendingPathComponent("out").path)
  }

  func output() throws -> String {
    try String(contentsOf: scratch.appendingPathComponent("out"), encoding: .utf8)
  }

  @Test("A daemon the child leaves behind does not hold up the wait (Foundation's Process would wait for it)")
  func daemonDoesNotHoldTheWait() throws {
    let started = Date()
    let status = try ProcessLaunch.waitStatus(of: try launch("sleep 20 & echo left a sleeper").spawn())
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(status == 0)
    #expect(try output() == "left a sleeper\n")
  }

  @Test("The child gets descriptors 0, 1 and 2 and none of ours past them")
  func descriptorsPastTwoAreClosed() throws {
    let descriptor = open("/dev/null", O_RDONLY)  // no O_CLOEXEC: it would be inherited
    #expect(descriptor > 2)
    defer { close(descriptor) }
    let script = "for fd in 0 1 2 \(descriptor); do test -e /proc/$$/fd/$fd && echo $fd; done"
    _ = try ProcessLaunch.waitStatus(of: try launch(script).spawn())
    #expect(try output() == "0\n1\n2\n")
  }

  @Test("The child starts with no signal blocked or ignored, whatever the calling thread had")
  func cleanSignals() throws {
    var blocked = sigset_t()
    var previous = sigset_t()
    sigfillset(&blocked)
    pthread_sigmask(SIG_BLOCK, &blocked, &previous)
    let pid = try launch("grep -E '^Sig(Blk|Ign)' /proc/self/status").spawn()
    pthread_sigmask(SIG_SETMASK, &previous, nil)
    _ = try ProcessLaunch.waitStatus(of: pid)
    let masks = try output().split(separator: "\n").compactMap {
      UInt64($0.split(separator: "\t").last ?? "", radix: 16)
    }
    #expect(masks.count == 2)
    #expect(masks.first == 0, "no signal blocked")
    // Signals 32 and 33 are glibc's own (thread cancellation, setxid), ignored in every process.
    #expect(masks.last.map { $0 & 0x7fff_ffff } == 0, "no standard signal (1-31) ignored")
  }

  @Test("A relative program path is found from our folder, not the child's")
  func relativeProgram() throws {
    let script = scratch.appendingPathComponent("hello.sh")
    try "#!/bin/sh\necho hello from $(pwd)\n".write(to: script, atomically: true, encoding: .utf8)
    chmod(script.path, 0o755)
    let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
    let relative = String(repeating: "../", count: depth) + script.path.dropFirst()  // up to / and down
    let launch = ProcessLaunch(
      arguments: [relative], environment: [:], directory: "/", standardInputPath: "/dev/null",
      standardOutputPath: scratch.appendingPathComponent("out").path)
    _ = try ProcessLaunch.waitStatus(of: try launch.spawn())
    #expect(try output() == "hello from /\n")
  }

  @Test("Folder, streams and exit status come out as asked")
  func folderStreamsAndStatus() throws {
    let status = try ProcessLaunch.waitStatus(of: try launch("pwd; echo oops >&2; exit 3", directory: "/usr").spawn())
    #expect(status >> 8 == 3)
    #expect(try output() == "/usr\noops\n")
  }

  @Test("A bounded wait gives up on a runaway, and killing its group takes its children too")
  func boundedWaitAndGroupKill() throws {
    var runaway = launch("sleep 60 & echo $! > child.pid; wait", directory: scratch.path)
    runaway.ownProcessGroup = true
    let pid = try runaway.spawn()
    #expect(try ProcessLaunch.waitStatus(of: pid, seconds: 0.3) == nil)
    let childFile = scratch.appendingPathComponent("child.pid")
    let child = try #require(pid_t(String(contentsOf: childFile, encoding: .utf8).trimmingCharacters(in: .newlines)))
    #expect(getpgid(child) == pid, "the shell's child is in the shell's own group")
    ProcessLaunch.killGroup(of: pid)
    var gone = false
    for _ in 0..<100 where !gone {
      gone = !ProcessState.isRunning(child)
      usleep(20_000)
    }
    #expect(gone, "the grandchild (pid \(child)) outlived its group's kill")
    let quick = try launch("exit 4").spawn()
    #expect(try ProcessLaunch.waitStatus(of: quick, seconds: 10).map { $0 >> 8 } == 4)
    #expect(throws: ProcessLaunchError.self) { try ProcessLaunch.waitStatus(of: quick) }  // reaped already
  }

  @Test("A program or folder that is not there gets one sentence naming it")
  func notStartedSentences() throws {
    let missing = ProcessLaunch(arguments: ["no-such-program-here"], environment: [:])
    #expect(throws: ProcessLaunchError.notStarted(program: "no-such-program-here", reason: "no such program in PATH")) {
      try missing.spawn()
    }
    #expect(throws: ProcessLaunchError.notStarted(program: "sh", reason: "there is no folder /no/such/folder")) {
      try launch("true", directory: "/no/such/folder").spawn()
    }
    #expect(ProcessLaunchError.noProgram.description == "No program was given to start.")
  }
}
