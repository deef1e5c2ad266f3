import Foundation
import MemoryAnalysis
import MemoryTrace
import Testing
import WorkshopTestSupport

/// Programs whose allocations are designed, run under the real tracker: the capture must give
/// exactly the figures each program's header comment states.
@Suite("Designed allocation patterns")
struct DesignedPatternTests {
  @Test("every hooked allocator function is counted as valgrind counts it")
  func everyAllocatorFunction() throws {
    let program = try Programs.compile("pattern_basic.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(program.executable)
    #expect(run.result.status == 0)
    let profile = run.profile
    #expect(profile.totals.allocations == 11)
    #expect(profile.totals.frees == 8)
    #expect(profile.totals.deallocationsByKind[.realloc] == 3)
    #expect(profile.peak.bytes == 7140)
    #expect(profile.leakedBytes == 1240)
    #expect(profile.leakedAllocations == 3)
    #expect(profile.totals.allocationsByKind[.pvalloc] == 1)
    #expect(profile.totals.allocationsByKind[.posixMemalign] == 1)
    #expect(profile.sawEnd)
  }

  @Test("an allocation at call depth d has d more frames than one at depth d-1")
  func callDepths() throws {
    let program = try Programs.compile("pattern_deep.c", extraFlags: ["-O2", "-fno-builtin"])
    let run = try TrackedRun.run(program.executable)
    let profile = run.profile
    #expect(profile.totals.allocations == 7)
    #expect(profile.peak.bytes == 4900)
    #expect(profile.leakedBytes == 4900)
    #expect(profile.leakedAllocations == 7)
    // Leaks are grouped by stack: one block each, sized d * 100 at depth d.
    let depthBySize = Dictionary(uniqueKeysWithValues: profile.leaks.map { ($0.bytes, profile.stack($0.stack).count) })
    let sizes = (4...10).map { UInt64($0 * 100) }
    #expect(Set(depthBySize.keys) == Set(sizes))
    for (smaller, larger) in zip(sizes, sizes.dropFirst()) {
      #expect(depthBySize[larger]! == depthBySize[smaller]! + 1)
    }
    // The innermost frame is the program's own caller of malloc, never the tracker.
    for leak in profile.leaks {
      #expect(profile.stack(leak.stack).first?.modulePath == resolved(program.executable))
    }
  }

  @Test("8 threads allocating at once give exact figures, each event attributed to its thread")
  func eightThreads() throws {
    let program = try Programs.compile("pattern_threads.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(program.executable)
    let profile = run.profile
    let own = run.totals(profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
    #expect(own.count == 800)
    #expect(own.bytes == 100 * 64 * 36)
    let leaked = run.totals(profile.leaks, allocatedDirectlyFrom: program.executable)
    #expect(leaked.bytes == 2304)
    #expect(leaked.count == 8)
    let atPeak = run.totals(profile.peak.aliveByStack, allocatedDirectlyFrom: program.executable)
    #expect(atPeak.bytes == 230_400, "all 800 blocks are alive at the barrier")
    #expect(profile.totals.threads >= 9, "eight workers and the main thread")
  }

  @Test("a forked child stays out of the parent's capture, and gets its own with --follow-fork")
  func fork() throws {
    let program = try Programs.compile("pattern_fork.c", extraFlags: ["-fno-builtin"])
    for follow in [false, true] {
      let run = try TrackedRun.run(program.executable, followFork: follow, name: "fork\(follow)")
      #expect(run.result.status == 0)
      #expect(run.profile.totals.allocations == 2)
      #expect(run.profile.totals.frees == 1)
      #expect(run.profile.peak.bytes == 1111)
      #expect(run.profile.leakedBytes == 111)
      let folder = URL(fileURLWithPath: run.capturePath).deletingLastPathComponent()
      let children = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.hasPrefix("capture.") && $0 != "capture.bin" }
      if follow {
        try #require(children.count == 1)
        let child = try MemoryProfile(contentsOf: folder.appendingPathComponent(children[0]).path)
        #expect(child.header?.flags.contains(.followedChild) == true)
        #expect(child.totals.allocations == 2)
        #expect(child.totals.unknownFrees == 1, "the inherited block was allocated before the child's capture")
        #expect(child.peak.bytes == 5000)
        #expect(child.leakedBytes == 2000)
        #expect(child.sawEnd)
        #expect(run.result.standardError.contains(children[0]), "the summary names the child's capture")
      } else {
        #expect(children.isEmpty)
      }
    }
  }

  @Test(
    "fork while 4 threads allocate: no child hangs, the parent's figures stay exact, each followed child has its own")
  func forkWhileThreadsAllocate() throws {
    let program = try Programs.compile("pattern_fork_threads.c", extraFlags: ["-fno-builtin", "-pthread"])
    for follow in [false, true] {
      let run = try TrackedRun.run(
        program.executable, followFork: follow, compress: false, name: "forkThreads\(follow)")
      #expect(run.result.status == 0, "a child hung (SIGALRM) or failed: \(run.result.all)")
      let own = run.totals(run.profile.allocatedByStack, allocatedDirectlyFrom: program.executable)
      #expect(own.count == 800_000)
      #expect(run.totals(run.profile.leaks, allocatedDirectlyFrom: program.executable).count == 0)
      let folder = URL(fileURLWithPath: run.capturePath).deletingLastPathComponent()
      let children = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.hasPrefix("capture.") && $0 != "capture.bin" }
      #expect(children.count == (follow ? 40 : 0))
      for child in children {
        let profile = try MemoryProfile(contentsOf: folder.appendingPathComponent(child).path)
        #expect(profile.totals.allocations == 2, "\(child)")
        #expect(profile.totals.frees == 1, "\(child)")
        #expect(profile.peak.bytes == 300, "\(child)")
        #expect(profile.leakedBytes == 200, "\(child)")
        #expect(profile.sawEnd, "\(child)")
      }
    }
  }

  @Test("fork while threads unwind through many functions: no followed child hangs inside fork()")
  func forkWhileThreadsUnwind() throws {
    // Without the tracker's loader gate, 4 runs of 5 hung here (a child waited forever inside
    // fork() for the loader's lock, its parent in waitpid), each within seconds.
    let program = try Programs.compile(
      "pattern_fork_unwinding.c", extraFlags: ["-O1", "-fomit-frame-pointer", "-fno-builtin", "-pthread"])
    let folder = try TestEnvironment.scratchFolder("fork-unwinding")
    let result = try Command.run(
      [
        "LD_PRELOAD=\(TestEnvironment.trackerLibrary)", "WORKSHOP_FOLLOW_FORK=1",
        "WORKSHOP_CAPTURE=\(folder.appendingPathComponent("capture.bin").path)", program.executable, "200",
      ], timeLimit: 60)
    #expect(result.status == 0, "\(result.all)")
    #expect(result.standardOutput.contains("children hung: 0 of 200"), "\(result.all)")
    let children = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
      $0.hasPrefix("capture.") && $0 != "capture.bin"
    }
    #expect(children.count == 200, "every child has its capture")
  }

  @Test(
    "fork from a signal handler that interrupts the tracker: no hang, the parent exact, a child going on writes nothing",
    arguments: [[], ["stacks"], ["returning"], ["stacks", "returning"]])
  func forkFromSignalHandler(mode: [String]) throws {
    // Under session 14's tracker every run hung in fork's prepare handler: the interrupted thread
    // held the file lock (a flush of its full buffer) or stacks_lock (interning), or the sampler's
    // flush held the file lock waiting for the interrupted record. With "returning" the child goes
    // on from where the signal came: its own waits for the parent's threads end at once (children
    // spun for good before, found by review), and it writes nothing into the parent's capture.
    let program = try Programs.compile("pattern_fork_in_handler.c", extraFlags: ["-O1", "-fno-builtin"])
    let module = resolved(program.executable)
    for follow in [false, true] {
      let folder = try TestEnvironment.scratchFolder("fork-in-handler-\(mode.joined(separator: "-"))-\(follow)")
      let capture = folder.appendingPathComponent("capture.bin").path
      let result = try Command.run(
        [
          "LD_PRELOAD=\(TestEnvironment.trackerLibrary)", "WORKSHOP_FOLLOW_FORK=\(follow ? 1 : 0)",
          "WORKSHOP_CAPTURE=\(capture)", program.executable, "300",
        ] + mode, timeLimit: 60)
      #expect(result.status == 0, "\(result.all)")
      let words = result.standardOutput.split(separator: " ")
      let pairs = try #require(words.count == 6 ? UInt64(words[1]) : nil, "\(result.all)")
      let forks = try #require(UInt64(words[3]))
      #expect(forks >= 300)
      #expect(words[5].hasPrefix("0"), "every child gone within 10 s: \(result.all)")
      let profile = try MemoryProfile(contentsOf: capture)
      #expect(profile.readProblem == nil, "\(String(describing: profile.readProblem))")
      let own = profile.allocatedByStack.filter { profile.stack($0.stack).first?.modulePath == module }
      #expect(own.reduce(0) { $0 + $1.count } == pairs + 1, "every block the loop and main allocated, no child's")
      #expect(!profile.leaks.contains { profile.stack($0.stack).first?.modulePath == module })
      #expect(profile.sawEnd)
      let children = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.hasPrefix("capture.") && $0 != "capture.bin" }
      if follow {
        // A child forked while its thread was outside the tracker is followed; one forked from
        // inside it is not.
        #expect(!children.isEmpty && UInt64(children.count) <= forks)
        for child in children {
          let childProfile = try MemoryProfile(contentsOf: folder.appendingPathComponent(child).path)
          #expect(childProfile.header?.flags.contains(.followedChild) == true, "\(child)")
        }
      } else {
        #expect(children.isEmpty)
      }
    }
  }

  @Test("allocations from a dlopen()ed library keep its module after dlclose(), its constructor's too")
  func dlopenedLibrary() throws {
    let program = try Programs.compile("pattern_dlopen.c", extraFlags: ["-fno-builtin"])
    let library = try Programs.compile("plugin_library.c", extraFlags: ["-fno-builtin", "-shared", "-fPIC"])
    let run = try TrackedRun.run(program.executable, arguments: [library.executable])
    #expect(run.result.status == 0, "\(run.result.all)")
    let fromLibrary = run.totals(run.profile.leaks, allocatedDirectlyFrom: library.executable)
    #expect(fromLibrary.bytes == 1111 + 4242)
    #expect(fromLibrary.count == 2)
    let fromProgram = run.totals(run.profile.leaks, allocatedDirectlyFrom: program.executable)
    #expect(fromProgram.bytes == 5555)
    #expect(fromProgram.count == 1)
  }

  @Test("a crashing program leaves a readable capture and its signal is reported", arguments: ["segv", "abort"])
  func crash(mode: String) throws {
    let program = try Programs.compile("pattern_crash.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(program.executable, arguments: [mode], name: "crash\(mode)")
    let signal = mode == "segv" ? SIGSEGV : SIGABRT
    #expect(run.result.status == 128 + signal)
    #expect(run.result.standardError.contains(mode == "segv" ? "SIGSEGV" : "SIGABRT"))
    #expect(run.profile.totals.allocations == 10)
    #expect(run.profile.peak.bytes == 1_000_000)
    #expect(run.profile.leakedBytes == 1_000_000)
    #expect(!run.profile.sawEnd)
    #expect(run.profile.readProblem != nil, "a capture without END is reported as cut short")
  }

  @Test("SIGKILL 100 ms after the last allocation loses nothing")
  func killed() throws {
    let program = try Programs.compile("pattern_crash.c", extraFlags: ["-fno-builtin"])
    let folder = try TestEnvironment.scratchFolder()
    let capture = folder.appendingPathComponent("killed.bin").path
    let output = folder.appendingPathComponent("killed.out").path
    // pattern_crash says when it has allocated, then sleeps: kill it 100 ms into that sleep (a
    // fixed 100 ms after the start killed it before it began on a loaded machine: an empty
    // capture). `pkill -P` picks the child of this very `workshop run`, never another test's copy.
    let script = """
      \(TestEnvironment.workshopExecutable) run -o \(capture) -- \(program.executable) wait > \(output) & runner=$!; \
      tries=0; until grep -q 'pattern_crash: allocated' \(output) || [ $tries -ge 1500 ]; do \
      sleep 0.02; tries=$((tries + 1)); done; \
      sleep 0.1; pkill -KILL -P $runner; wait
      """
    _ = try Command.run(["sh", "-c", script])
    let profile = try MemoryProfile(contentsOf: capture)
    #expect(profile.totals.allocations == 10)
    #expect(profile.leakedBytes == 1_000_000)
  }

  @Test("markers scope a region, and the marker API is harmless without the tracker")
  func markers() throws {
    let program = try Programs.compile("pattern_marker.c", extraFlags: ["-fno-builtin"])
    let run = try TrackedRun.run(
      program.executable,
      regions: [RegionRequest(from: "start", to: "allocated"), RegionRequest(from: "start", to: "end")])
    #expect(run.profile.markers.map(\.name) == ["start", "allocated", "end"])
    #expect(run.profile.markers.map(\.heapBytes) == [0, 6000, 3000])
    #expect(run.profile.region(RegionRequest(from: "start", to: "end"))?.peakBytes == 6000)
    #expect(run.profile.peak.bytes == 6000)
    #expect(run.profile.leakedBytes == 3000)
    let untracked = try Command.run([program.executable])
    #expect(untracked.status == 0)
  }

  @Test("a Swift program's designed allocations between markers are exact")
  func swiftProgram() throws {
    let program = try Programs.compile("pattern_swift.swift")
    let region = RegionRequest(from: "start", to: "end")
    let run = try TrackedRun.run(program.executable, regions: [region])
    #expect(run.result.status == 0)
    let peak = try #require(run.profile.region(region))
    #expect(peak.peakBytes == 300_000, "both buffers, allocated inside the region, are alive at its peak")
    #expect(peak.aliveAtPeak.reduce(0) { $0 + $1.bytes } == 300_000)
    #expect(peak.allocations == 1_004)
    #expect(peak.temporaryAllocations == 1_001, "the scratch buffer and each Pair: freed before the next allocation")
    #expect(peak.leakedBytes == 100_048)
    #expect(peak.leakedAllocations == 3)
    let ownLeaks = run.profile.leaks.filter {
      run.profile.stack($0.stack).contains { $0.modulePath == resolved(program.executable) }
        && [100_000, 24].contains($0.bytes / $0.count)
    }
    #expect(ownLeaks.reduce(0) { $0 + $1.bytes } == 100_048)
    #expect(ownLeaks.reduce(0) { $0 + $1.count } == 3)
    let untracked = try Command.run([program.executable])
    #expect(untracked.status == 0, "the program runs unchanged without the tracker")
  }

  private func resolved(_ path: String) -> String {
    URL(fileURLWithPath: path).resolvingSymlinksInPath().path
  }
}
