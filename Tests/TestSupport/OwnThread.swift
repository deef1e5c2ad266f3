import Foundation

/// Runs `work` on a thread of its own and waits for it without holding a thread of the test pool.
///
/// Swift Testing runs test bodies on the cooperative pool, one thread per core: a test that
/// compiles and runs twenty programs synchronously would hold a thread for minutes, and on two
/// cores the other tests' time limits would run out while they wait for one. Only the blocking
/// work goes here; expectations stay in the test, where they are attributed to it.
public func onOwnThread<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
  try await withCheckedThrowingContinuation { continuation in
    let thread = Thread { continuation.resume(with: Result { try work() }) }
    thread.start()
  }
}
