import Foundation
import MemoryAnalysis
import MemoryTrace
import Synchronization

/// Follows a capture while its program runs: one thread analyses what the tracker appends and
/// another compresses it as it comes, so that when the program ends only the tail is left, and
/// that tail is analysed and compressed at once on two cores. This is what keeps `workshop run`'s
/// cost near the tracker's own on a machine with a core to spare.
///
/// Start it before the program (the capture need not exist yet), call ``finish()`` once the
/// program has ended. Nothing else may touch the follower in between.
public final class CaptureFollower: @unchecked Sendable {
  /// What following the run gave.
  public struct Outcome {
    /// The analysis of the whole capture, or why there is none.
    public var profile: Result<MemoryProfile, Error>
    /// Why the capture stays uncompressed, when it does.
    public var compressionProblem: String?
  }

  /// The capture followed.
  public let path: String
  private let compress: Bool
  private let regions: [RegionRequest]
  private let detail: MemoryProfiler.Detail
  private let interval: Double
  private let observe: ((LiveCapture) -> Void)?
  private let stopRequested = Atomic<Bool>(false)
  private let stopped = DispatchSemaphore(value: 0)
  /// Cuts a thread's pause short when a stop is requested: the program has ended and its tail is
  /// waited for, so a thread must not sleep out its interval first (that was up to 20 ms of every run).
  private let wake = DispatchSemaphore(value: 0)
  private var live: LiveCapture?
  // The compressor and its problem belong to the compression thread until it has stopped (and to
  // the helper that finishes the tail in `finish()`, until it is joined).
  private var compressor: CaptureCompressor?
  private var compressionProblem: String?
  private var compressionStarted = false
  /// Whether the tail's helper closed the compressed stream (``CaptureCompressor/complete()``).
  private var streamCompleted = false
  private var bytesRead = 0
  private var started = false
  private var stopping = false

  /// Describes the follower; nothing runs until ``start()``.
  ///
  /// - Parameters:
  ///   - compress: compress the capture (with zstd, in place once the program has ended).
  ///   - regions: regions to measure besides the whole run (``MemoryProfile/region(_:)``).
  ///   - detail: what the analysis works out (``MemoryProfiler/Detail``).
  ///   - interval: seconds to wait when the tracker has written nothing new.
  ///   - observe: called on the follower's thread after each read that found new records, with
  ///     the analysis so far (read it there; do not keep it).
  public init(
    path: String, compress: Bool, regions: [RegionRequest] = [], detail: MemoryProfiler.Detail = .everything,
    interval: Double = 0.02, observe: ((LiveCapture) -> Void)? = nil
  ) {
    self.path = path
    self.compress = compress
    self.regions = regions
    self.detail = detail
    self.interval = interval
    self.observe = observe
  }

  /// Starts following on threads of its own (one analysing, one compressing). Call once.
  public func start() {
    guard !started else { return }
    started = true
    startThread(named: "workshop capture follower") { [self] in catchUp() }
    if compress { startThread(named: "workshop capture compressor") { [self] in compressAppended() } }
  }

  /// Runs `step` until a stop is requested, pausing for the interval whenever it found nothing new.
  private func startThread(named name: String, step: @escaping @Sendable () -> Int) {
    let thread = Thread { [self] in
      while !stopRequested.load(ordering: .acquiring) {
        if step() == 0 { _ = wake.wait(timeout: .now() + interval) }
      }
      stopped.signal()
    }
    thread.name = name
    thread.start()
  }

  /// How many threads ``start()`` started.
  private var threadCount: Int { compress ? 2 : 1 }

  /// Stops following, reads and compresses the rest of the (now finished) capture, and returns the
  /// analysis. Call once, after the program has ended.
  ///
  /// When following met damage or lost events (a buffer the tracker cut back and wrote again can
  /// leave the live reader behind bytes that changed), the finished file is read again from the
  /// start for the figures and compressed afresh, so the summary is always the file's own.
  public func finish() -> Outcome {
    stop()
    // The tail is compressed on another thread while this one reads it: the program has ended,
    // so both cores are free.
    let tailCompressed = DispatchSemaphore(value: 0)
    if compress {
      let helper = Thread { [self] in
        while compressAppended() > 0 {}
        // The stream is closed and flushed to disk here, beside the analysis; it is put in
        // place only once the analysis says it can be trusted (`finishCompression`).
        streamCompleted = (try? compressor?.complete()) != nil
        tailCompressed.signal()
      }
      helper.name = "workshop capture compressor"
      helper.start()
    } else {
      tailCompressed.signal()
    }
    catchUp()
    let followed: Result<MemoryProfile, Error>? = live.map { live in
      Result {
        try live.update(fileMayGrow: false)
        return live.profile()
      }
    }
    // A truncation warning is the file's own state; damage or a loss may be the live reader's.
    let trusted =
      (try? followed?.get()).map { $0.totals.lostEvents == 0 && ($0.readProblem?.isWarning ?? true) } ?? false
    let profile: Result<MemoryProfile, Error>
    if trusted, let followed {
      profile = followed
    } else if FileManager.default.fileExists(atPath: path) {
      profile = Result { try MemoryProfile(contentsOf: path, regions: regions, detail: detail) }
    } else {
      profile = .failure(WorkshopError.captureMissing(path: path))
    }
    tailCompressed.wait()
    if compress && compressionProblem == nil && FileManager.default.fileExists(atPath: path) {
      finishCompression(streamed: trusted)
    }
    return Outcome(profile: profile, compressionProblem: compressionProblem)
  }

  /// Stops following without a result (the program could not be started): the threads end and the
  /// partly compressed copy is removed.
  public func cancel() {
    stop()
    compressor = nil
  }

  private func stop() {
    guard started, !stopping else { return }
    stopping = true
    stopRequested.store(true, ordering: .releasing)
    // One wake-up per thread; one left over by a thread that was not pausing does no harm.
    for _ in 0..<threadCount { wake.signal() }
    for _ in 0..<threadCount { stopped.wait() }
  }

  /// Reads what was appended since the last call; returns the plain bytes taken.
  @discardableResult
  private func catchUp() -> Int {
    if live == nil {
      guard FileManager.default.fileExists(atPath: path),
        let opened = try? LiveCapture(path: path, regions: regions, detail: detail)
      else { return 0 }
      live = opened
    }
    var taken = 0
    if let progress = try? live?.update(fileMayGrow: true) {
      taken = progress.byteCount - bytesRead
      bytesRead = progress.byteCount
    }
    if taken > 0, let live, let observe { observe(live) }
    return taken
  }

  /// Compresses what was appended since the last call (opening the compressor once the capture
  /// exists); returns the plain bytes taken, 0 once compression has stopped.
  private func compressAppended() -> Int {
    if !compressionStarted {
      guard FileManager.default.fileExists(atPath: path) else { return 0 }
      compressionStarted = true
      do {
        compressor = try CaptureCompressor(path: path)
      } catch {
        stopCompression(because: "\(error)")
      }
    }
    guard let compressor else { return 0 }
    do {
      return try compressor.compressAppended()
    } catch {
      stopCompression(because: "\(error)")
      return 0
    }
  }

  private func stopCompression(because reason: String) {
    compressor = nil
    compressionProblem = "\(reason); the capture stays uncompressed"
  }

  /// Puts the compressed stream (closed by the tail's helper) in place when what it streamed can
  /// be trusted (no damage, no loss, the file not cut back); otherwise compresses the finished
  /// file afresh.
  private func finishCompression(streamed trusted: Bool) {
    do {
      var streamed = false
      if trusted, streamCompleted, let compressor { streamed = (try? compressor.install()) != nil }
      compressor = nil  // unless finished, removes its temporary file before a fresh one is made
      if !streamed { try CaptureCompression.compress(path: path) }
    } catch {
      stopCompression(because: "\(error)")
    }
  }
}
