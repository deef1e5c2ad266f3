final class Box {
  var value: Int
  init(_ value: Int) { self.value = value }
}

/// The sum of 1 + 2 + … + `count`, each value in its own box.
func boxedSum(count: Int) -> Int {
  var total = 0
  for value in 1...max(count, 1) where count > 0 {
    let box = Box(value)
    total &+= box.value
  }
  return total
}
