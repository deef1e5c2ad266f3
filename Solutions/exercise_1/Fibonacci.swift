// Exercise 1 — reference solution.
//
// Nobody needs all the numbers at once: each caller walks them once, front to back. So instead of
// an array, `fibonacci(count:)` returns a sequence that computes the next number when it is asked
// for it. The sequence is a small struct (a count and two integers) that lives on the stack: the
// whole walk allocates nothing on the heap, however many numbers it yields.
//
// Other ways to get there are in alternatives/.

/// The first `count` Fibonacci numbers, computed one at a time as they are asked for.
struct FibonacciNumbers: Sequence, IteratorProtocol {
  private var remaining: Int
  private var current = 0
  private var following = 1

  init(count: Int) { remaining = count }

  mutating func next() -> Int? {
    guard remaining > 0 else { return nil }
    remaining -= 1
    defer { (current, following) = (following, current &+ following) }
    return current
  }
}

/// The first `count` Fibonacci numbers: 0, 1, 1, 2, 3, 5, 8, …
func fibonacci(count: Int) -> FibonacciNumbers {
  FibonacciNumbers(count: count)
}

/// The even numbers among the first `count` Fibonacci numbers: 0, 2, 8, 34, …
///
/// `lazy.filter` wraps the sequence instead of filling an array: each even number is found when the
/// caller asks for it.
func evenFibonacci(count: Int) -> LazyFilterSequence<FibonacciNumbers> {
  fibonacci(count: count).lazy.filter { $0 % 2 == 0 }
}
