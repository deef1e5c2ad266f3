// The peak is one array built by appending, two calls below the top level. Keep the line numbers:
// the report tests check them.
@inline(never)
func fill(_ count: Int) -> [Int] {
  var numbers: [Int] = []
  for index in 0..<count { numbers.append(index) }
  return numbers
}

@inline(never)
func build() -> [Int] {
  fill(200_000)
}

let numbers = build()
print(numbers.count)
