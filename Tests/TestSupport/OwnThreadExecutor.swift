import Foundation

/// A task executor that runs its jobs on a thread of its own, one at a time.
///
/// Swift Testing runs test bodies on the cooperative pool, one thread per core. On two cores,
/// tests that block on processes hold both threads, and a test that must react in real time (send
/// Ctrl-C while a program still runs, see a chart while it still grows) would wait seconds to be
/// resumed after each `await`. A test that prefers this executor (``withOwnThread(_:)``) runs on
/// its own thread from start to end, blocking or not, and keeps its task-local context, so its
/// expectations are attributed to it.
public final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
  private let condition = NSCondition()
  private var jobs: [UnownedJob] = []
  private var stopped = false

  /// Starts the thread; it ends after ``stop()`` once no job is left.
  public init() {
    let thread = Thread { [self] in runJobs() }
    thread.name = "test's own thread"
    thread.start()
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  /// Lets the thread end once it has run every job enqueued so far.
  public func stop() {
    condition.lock()
    stopped = true
    condition.signal()
    condition.unlock()
  }

  private func runJobs() {
    while true {
      condition.lock()
      while jobs.isEmpty && !stopped { condition.wait() }
      if jobs.isEmpty {
        condition.unlock()
        return
      }
      let job = jobs.removeFirst()
      condition.unlock()
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }
}

/// Runs `body` on a thread of its own (an ``OwnThreadExecutor``), so that neither its blocking
/// waits hold a thread of the test pool nor the pool's other tests delay it: a test that compiles
/// and runs twenty programs, or drives a screen in tmux, puts that work here.
public func withOwnThread<Value>(_ body: () async throws -> Value) async throws -> Value {
  let executor = OwnThreadExecutor()
  defer { executor.stop() }
  return try await withTaskExecutorPreference(executor) { try await body() }
}
