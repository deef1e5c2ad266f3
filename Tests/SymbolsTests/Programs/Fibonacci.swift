// A Swift program whose functions the symbol tests name. Keep the line numbers: tests check them.
struct Fibonacci {
  @inline(never)
  static func fibonacci(_ count: Int) -> [Int] {
    var numbers = [0, 1]
    while numbers.count < count { numbers.append(numbers[numbers.count - 1] &+ numbers[numbers.count - 2]) }
    return numbers
  }
}

print(Fibonacci.fibonacci(50).count)
