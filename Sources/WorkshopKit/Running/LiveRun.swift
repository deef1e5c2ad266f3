import Foundation
import MemoryAnalysis
import MemoryTrace
import ProcessLaunch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a program under the tracker and publishes what its memory does while it runs: the one way
/// `workshop run`, an exercise check and the terminal UI run a program.
///
/// ``start()`` spawns the program and returns at once. Two threads of its own then watch it: one
/// waits for the program, reads its resident size and stops it at its ``TrackedProgram/bounds``;
/// the other follows the capture as the tracker writes it (``CaptureFollower``), analysing and
/// compressing it as it comes. Any thread may read ``snapshot`` at any moment (it takes a lock for
/// a copy, never waiting on the program or the file), ``cancel()`` the run, or ``wait()`` for its
/// result. No process-wide signal disposition changes: what Ctrl-C does is the front end's choice.
public final class LiveRun: Sendable {
  /// Where a run stands.
  public enum Phase: Sendable, Equatable {
    /// Started; the capture is not read yet.
    case starting
    /// The program runs.
    case running
    /// The program has ended; the rest of its capture is being read.
    case reading
    /// The program has ended and the capture is read to its end.
    case finished
  }

  /// What the run looks like at one moment: plain values, cheap to copy.
  public struct Snapshot: Sendable, Equatable {
    /// Where the run stands.
    public var phase: Phase = .starting
    /// Seconds since the program started, when this snapshot was published.
    public var elapsedSeconds: Double = 0
    /// The capture's own clock at the newest record read, in microseconds since the program started.
    public var captureMicroseconds: UInt64 = 0
    /// The heap now (sum of live blocks).
    public var heapBytes: UInt64 = 0
    /// The program's resident size as last read (the tracker's own memory included).
    public var residentBytes: UInt64 = 0
    /// The largest heap so far, exact.
    public var peakHeapBytes: UInt64 = 0
    /// When the peak was reached, on the capture's clock (to its 10 ms ticks).
    public var peakMicroseconds: UInt64 = 0
    /// Allocations so far.
    public var allocations: UInt64 = 0
    /// The heap and resident size over time, bounded for a chart (every interval's maximum kept).
    public var timeline = LiveTimeline()
    /// The ticks read so far (the tracker writes one every 10 ms).
    public var ticks = 0
    /// The markers the program placed so far.
    public var markers: [MarkerOccurrence] = []
    /// How the program ended, once it has.
    public var outcome: RunOutcome?
    /// The monotonic time (``LiveRun/now()``) at which the newest data was read: its age is
    /// `LiveRun.now() - updatedAt` plus the tracker's own flush interval (10 ms).
    public var updatedAt: Double = 0
    /// How many times a snapshot was published; a reader redraws when it changes.
    public var sequence = 0
    /// The blocks alive now by stack, with the frames to name them: a live view's top locations.
    /// Only when the run was asked for them (``LiveRun/init(program:compress:regions:detail:aliveStacksInterval:onUpdate:)``).
    public var aliveStacks: AliveStacks?

    /// A snapshot of a run not started yet (and, in tests, one filled in by hand).
    public init() {}
  }

  /// The blocks alive at one moment by stack, and the capture's stack nodes then.
  public struct AliveStacks: Sendable, Equatable {
    /// Bytes and blocks alive per stack, largest first.
    public var byStack: [StackTotal]
    /// The stack nodes, to name the stacks (``MemoryAnalysis/CaptureStacks``).
    public var frames: FrameTable
    /// Counts up with each new set: two sets are the same when their generations are.
    public var generation: Int

    public static func == (left: AliveStacks, right: AliveStacks) -> Bool { left.generation == right.generation }
  }

  /// What a finished run left.
  public struct Result: @unchecked Sendable {
    /// How the program ended.
    public var outcome: RunOutcome
    /// The analysis of the whole capture, or why there is none.
    public var profile: Swift.Result<MemoryProfile, Error>
    /// Why the capture stays uncompressed, when it does.
    public var compressionProblem: String?
  }

  private struct State {
    var snapshot = Snapshot()
    var pid: pid_t?
    var reaped = false
    var cancelRequested = false
    var result: Result?
    var aliveStacksTakenAt = -Double.infinity
  }

  /// The program run.
  public let program: TrackedProgram
  private let compress: Bool
  private let regions: [RegionRequest]
  private let detail: MemoryProfiler.Detail
  private let onUpdate: (@Sendable () -> Void)?
  private let aliveStacksInterval: Double?
  private let state = Mutex(State())
  private let finished = DispatchSemaphore(value: 0)

  /// Describes a live run; nothing starts until ``start()``.
  ///
  /// - Parameters:
  ///   - compress: compress the capture with zstd as it grows (in place once the program ends).
  ///   - regions: marker regions to measure besides the whole run.
  ///   - detail: what the analysis works out: ``MemoryProfiler/Detail/headline`` when only the
  ///     summary `workshop run` prints is wanted (no per-stack figures, no ``Snapshot/aliveStacks``).
  ///   - aliveStacksInterval: when given, snapshots carry ``Snapshot/aliveStacks``, taken at most
  ///     this often (seconds): each costs O(s log s) for s stacks on the follower's thread.
  ///   - onUpdate: called (on one of the run's threads) after each new snapshot: a UI's wake-up.
  public init(
    program: TrackedProgram, compress: Bool = true, regions: [RegionRequest] = [],
    detail: MemoryProfiler.Detail = .everything, aliveStacksInterval: Double? = nil,
    onUpdate: (@Sendable () -> Void)? = nil
  ) {
    self.program = program
    self.compress = compress
    self.regions = regions
    self.detail = detail
    self.aliveStacksInterval = aliveStacksInterval
    self.onUpdate = onUpdate
  }

  /// The run as it stands now. Never waits on the program or the capture.
  public var snapshot: Snapshot { state.withLock { $0.snapshot } }

  /// Starts the program and the threads that watch it. Call once.
  ///
  /// - Throws: ``WorkshopError/captureExists(path:)`` or ``WorkshopError/programNotStarted(program:reason:)``;
  ///   then nothing runs.
  public func start() throws(WorkshopError) {
    let follower = CaptureFollower(path: program.capturePath, compress: compress, regions: regions, detail: detail) {
      [self] live in publish(live)
    }
    follower.start()
    let pid: pid_t
    let started = Self.now()
    do {
      pid = try program.spawn()
    } catch {
      follower.cancel()
      throw error
    }
    state.withLock { $0.pid = pid }
    let watcher = Thread { [self] in watch(pid: pid, started: started, follower: follower) }
    watcher.name = "workshop run watcher"
    watcher.start()
  }

  /// Stops the program now (SIGKILL; its whole process group when it has one of its own). The run
  /// then finishes as usual, its outcome saying it was cancelled. Safe from any thread, any time.
  public func cancel() {
    state.withLock { state in
      state.cancelRequested = true
      if let pid = state.pid, !state.reaped { stop(pid) }
    }
  }

  /// Sends `signal` to the program (and its process group when it has one of its own), if it still
  /// runs: how a front end passes on a SIGTERM or SIGHUP it was sent. Safe from any thread.
  public func forward(_ signal: Int32) {
    state.withLock { state in
      guard let pid = state.pid, !state.reaped else { return }
      if program.ownProcessGroup { kill(-pid, signal) }
      kill(pid, signal)
    }
  }

  /// Waits for the program to end and its capture to be read, and returns what the run left.
  public func wait() -> Result {
    finished.wait()
    finished.signal()  // later callers return at once too
    return state.withLock { $0.result! }
  }

  // MARK: - The watcher thread

  private func watch(pid: pid_t, started: Double, follower: CaptureFollower) {
    var status: Int32 = 0
    var reached: BoundReached?
    var peakResident: UInt64 = 0
    var samples: [ResidentSample] = []
    let bounds = program.bounds
    let exited = Self.signalWhenExited(pid)
    while true {
      // Reaped under the lock, so that cancel() never signals a pid the kernel may have reused.
      let ended = state.withLock { state -> Bool in
        while true {
          let result = waitpid(pid, &status, WNOHANG)
          if result == pid {
            state.reaped = true
            return true
          }
          if result == -1 && errno == EINTR { continue }
          if result == -1 {
            // Reaped elsewhere (SIGCHLD ignored): nothing to wait for; report it killed.
            state.reaped = true
            status = SIGKILL
            return true
          }
          return false
        }
      }
      if ended { break }
      let elapsed = Self.now() - started
      let resident = TrackedProgram.residentBytes(of: pid)
      peakResident = max(peakResident, resident)
      if samples.last.map({ elapsed - $0.seconds >= bounds.pollInterval }) ?? true {
        samples.append(ResidentSample(seconds: elapsed, bytes: resident))
      }
      let cancelled = state.withLock { state in
        state.snapshot.residentBytes = resident
        state.snapshot.elapsedSeconds = elapsed
        return state.cancelRequested
      }
      if reached == nil {
        if cancelled {
          reached = .cancelled(seconds: elapsed)
        } else if let limit = bounds.residentBytes, resident > limit {
          reached = .memory(residentBytes: resident)
        } else if let seconds = bounds.seconds, elapsed > seconds {
          reached = .time(seconds: elapsed)
        }
        if reached != nil { state.withLock { if !$0.reaped { stop(pid) } } }
      }
      // Briefly at first, so that a short run's resident size is seen; the pause ends early when
      // the program ends, so its end is seen at once (it used to be seen up to 20 ms late).
      let pause = elapsed < 0.05 ? 0.001 : elapsed < 0.25 ? 0.005 : bounds.pollInterval
      _ = exited.wait(timeout: .now() + pause)
    }
    // What the program started ends with it: what is left in its group, and what left the group
    // or was left behind (ProcessTree finds them by the marker in their environment).
    if program.ownProcessGroup {
      kill(-pid, SIGKILL)
      program.processTree.kill(root: nil, group: false)
    }
    state.withLock { $0.snapshot.phase = .reading }
    // A cancel that killed it before the loop saw the request.
    if reached == nil, state.withLock({ $0.cancelRequested }) {
      reached = .cancelled(seconds: Self.now() - started)
    }
    let outcome = RunOutcome(
      status: ExitStatus(waitStatus: status), boundReached: reached, wallSeconds: Self.now() - started,
      peakResidentBytes: peakResident, residentSamples: samples)
    let followed = follower.finish()
    let result = Result(
      outcome: outcome, profile: followed.profile, compressionProblem: followed.compressionProblem)
    state.withLock { state in
      state.result = result
      var snapshot = state.snapshot
      snapshot.phase = .finished
      snapshot.outcome = outcome
      snapshot.elapsedSeconds = outcome.wallSeconds
      if let profile = try? followed.profile.get() { Self.fill(&snapshot, from: profile) }
      snapshot.updatedAt = Self.now()
      snapshot.sequence += 1
      state.snapshot = snapshot
    }
    finished.signal()
    onUpdate?()
  }

  /// A semaphore signalled once `pid` has ended (or cannot be waited for), to cut the watcher's
  /// pause short. A thread of its own blocks in `waitid` with `WNOWAIT`, which leaves the process a
  /// zombie: the watcher still reaps it with `waitpid` under the lock, and still polls, so a wake-up
  /// that never comes costs only the pause.
  private static func signalWhenExited(_ pid: pid_t) -> DispatchSemaphore {
    let exited = DispatchSemaphore(value: 0)
    let thread = Thread {
      var information = siginfo_t()
      while waitid(P_PID, id_t(pid), &information, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
      exited.signal()
    }
    thread.name = "workshop run exit"
    thread.start()
    return exited
  }

  private func stop(_ pid: pid_t) {
    if program.ownProcessGroup {
      program.processTree.kill(root: pid, group: true)
    } else {
      kill(pid, SIGKILL)
    }
  }

  // MARK: - The follower thread

  /// Takes the figures of the capture read so far into the snapshot.
  private func publish(_ live: LiveCapture) {
    let profiler = live.profiler
    let now = Self.now()
    var alive: [StackTotal]?
    if let interval = aliveStacksInterval, now - state.withLock({ $0.aliveStacksTakenAt }) >= interval {
      alive = profiler.aliveNowByStack()
    }
    state.withLock { state in
      var snapshot = state.snapshot
      if snapshot.phase == .starting { snapshot.phase = .running }
      guard snapshot.phase == .running else { return }
      snapshot.heapBytes = profiler.heapBytes
      snapshot.peakHeapBytes = profiler.peakBytes
      snapshot.peakMicroseconds = profiler.peakMicroseconds
      snapshot.allocations = profiler.allocationCount
      snapshot.captureMicroseconds = profiler.durationMicroseconds
      let timeline = profiler.timeline
      for point in timeline[min(snapshot.ticks, timeline.count)...] { snapshot.timeline.append(point) }
      snapshot.ticks = timeline.count
      if snapshot.markers.count != profiler.markers.count { snapshot.markers = profiler.markers }
      if let alive {
        state.aliveStacksTakenAt = now
        snapshot.aliveStacks = AliveStacks(
          byStack: alive, frames: live.reader.frames, generation: (snapshot.aliveStacks?.generation ?? 0) + 1)
      }
      snapshot.updatedAt = now
      snapshot.sequence += 1
      state.snapshot = snapshot
    }
    onUpdate?()
  }

  /// The finished capture's figures: exact peak, the whole timeline, every marker.
  private static func fill(_ snapshot: inout Snapshot, from profile: MemoryProfile) {
    snapshot.heapBytes = profile.heapBytesAtEnd
    snapshot.peakHeapBytes = profile.peak.bytes
    snapshot.peakMicroseconds = profile.peak.microseconds
    snapshot.allocations = profile.totals.allocations
    snapshot.captureMicroseconds = profile.totals.durationMicroseconds
    if snapshot.ticks != profile.timeline.count {
      snapshot.timeline = LiveTimeline(profile.timeline)
      snapshot.ticks = profile.timeline.count
    }
    snapshot.markers = profile.markers
  }

  /// Seconds on the monotonic clock (``ProcessLaunch/monotonicSeconds()``).
  public static func now() -> Double { ProcessLaunch.monotonicSeconds() }
}
