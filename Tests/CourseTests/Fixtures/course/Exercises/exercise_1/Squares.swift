/// The squares of 0, 1, 2, … up to `count - 1`.
func squares(count: Int) -> [Int] {
  var result: [Int] = []
  for number in 0..<count {
    result.append(number * number)
  }
  return result
}
