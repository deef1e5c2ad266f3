// The check for exercise 1: correctness cases first, then the memory workload.

checkCase("the first ten numbers", Array(fibonacci(count: 10)), equals: [0, 1, 1, 2, 3, 5, 8, 13, 21, 34])
checkCase("no numbers", Array(fibonacci(count: 0)), equals: [])
checkCase("one number", Array(fibonacci(count: 1)), equals: [0])
checkCase("the 92nd number", Array(fibonacci(count: 93)).last, equals: 7_540_113_804_746_346_429)
checkCase("the first even numbers", Array(evenFibonacci(count: 20)), equals: [0, 2, 8, 34, 144, 610, 2584])
checkCase("walking it twice gives the same numbers", Array(fibonacci(count: 30)), equals: Array(fibonacci(count: 30)))

var wrappingSum = 0
for number in fibonacci(count: 1_000) { wrappingSum = wrappingSum &+ number }
checkCase("the wrapping sum of the first thousand", wrappingSum, equals: 9_079_565_065_540_428_012)

measureWorkload {
  var sum = 0
  for number in fibonacci(count: 200_000) { sum = sum &+ number }
  var evenCount = 0
  for _ in evenFibonacci(count: 200_000) { evenCount += 1 }
  keep(sum)
  keep(evenCount)
}
