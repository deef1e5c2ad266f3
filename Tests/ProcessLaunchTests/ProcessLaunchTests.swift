import Foundation
import ProcessLaunch
import Testing

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
    let status = ProcessLaunch.waitStatus(of: try launch("sleep 20 & echo left a sleeper").spawn())
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
    _ = ProcessLaunch.waitStatus(of: try launch(script).spawn())
    #expect(try output() == "0\n1\n2\n")
  }

  @Test("Folder, streams and exit status come out as asked")
  func folderStreamsAndStatus() throws {
    let status = ProcessLaunch.waitStatus(of: try launch("pwd; echo oops >&2; exit 3", directory: "/usr").spawn())
    #expect(status >> 8 == 3)
    #expect(try output() == "/usr\noops\n")
  }

  @Test("A bounded wait gives up on a runaway, and killing its group takes its children too")
  func boundedWaitAndGroupKill() throws {
    var runaway = launch("sleep 60 & echo $! > child.pid; wait", directory: scratch.path)
    runaway.ownProcessGroup = true
    let pid = try runaway.spawn()
    #expect(ProcessLaunch.waitStatus(of: pid, seconds: 0.3) == nil)
    let childFile = scratch.appendingPathComponent("child.pid")
    let child = try #require(pid_t(String(contentsOf: childFile, encoding: .utf8).trimmingCharacters(in: .newlines)))
    #expect(getpgid(child) == pid, "the shell's child is in the shell's own group")
    ProcessLaunch.killGroup(of: pid)
    var gone = false
    for _ in 0..<100 where !gone {
      gone = kill(child, 0) != 0 || isZombie(child)
      usleep(20_000)
    }
    #expect(gone, "the grandchild (pid \(child)) outlived its group's kill")
    let quick = try launch("exit 4").spawn()
    #expect(ProcessLaunch.waitStatus(of: quick, seconds: 10).map { $0 >> 8 } == 4)
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

/// True when `pid` has ended but not been reaped.
private func isZombie(_ pid: pid_t) -> Bool {
  let status = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
  return status.split(separator: ")").last?.split(separator: " ").first == "Z"
}
