// Exercise 1 — Fibonacci without the arrays
//
// `fibonacci(count:)` hands back the first `count` Fibonacci numbers, and `evenFibonacci(count:)`
// the even ones among them. Every caller in this program walks the result once, front to back, and
// then forgets it — yet each call first builds the whole thing in memory.
//
// Your task: keep the results the same, but make the workload's peak memory fall under the limit
// in exercise.json (100 KB). Run `workshop check 1` to check, `workshop lesson 1` for the lesson.
//
// The numbers outgrow `Int` after the 92nd, so the additions wrap around (`&+`) instead of
// trapping; the checks compare the first numbers exactly and the rest by their sum.

/// The first `count` Fibonacci numbers: 0, 1, 1, 2, 3, 5, 8, …
func fibonacci(count: Int) -> [Int] {
  var numbers: [Int] = []
  var current = 0
  var next = 1
  for _ in 0..<count {
    numbers.append(current)
    (current, next) = (next, current &+ next)
  }
  return numbers
}

/// The even numbers among the first `count` Fibonacci numbers: 0, 2, 8, 34, …
func evenFibonacci(count: Int) -> [Int] {
  var evens: [Int] = []
  for number in fibonacci(count: count) where number % 2 == 0 {
    evens.append(number)
  }
  return evens
}
