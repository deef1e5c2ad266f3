// Exercise 1 — alternative: the standard library's `sequence(state:next:)`.
//
// Instead of writing an iterator type by hand, hand `sequence(state:next:)` the state (here a
// tuple) and a closure that advances it. The result is an `UnfoldSequence`: still lazy, still one
// number at a time. The closure captures `count`, so Swift may box that capture on the heap — one
// small allocation per walk, not one per number, which is still far under the limit.
//
// The return type `some Sequence<Int>` hides the concrete type from callers: they can walk it, and
// nothing else, which is all they ever did with the array.

/// The first `count` Fibonacci numbers: 0, 1, 1, 2, 3, 5, 8, …
func fibonacci(count: Int) -> some Sequence<Int> {
  sequence(state: (produced: 0, current: 0, following: 1)) { state -> Int? in
    guard state.produced < count else { return nil }
    state.produced += 1
    defer { (state.current, state.following) = (state.following, state.current &+ state.following) }
    return state.current
  }
}

/// The even numbers among the first `count` Fibonacci numbers: 0, 2, 8, 34, …
func evenFibonacci(count: Int) -> some Sequence<Int> {
  fibonacci(count: count).lazy.filter { $0 % 2 == 0 }
}
