// early_swift.swift — a Swift program whose runtime allocates in libswiftCore's constructors,
// before the tracker's own constructor runs, then objects and arrays of its own.
final class Box {
  var values: [Int]
  init(_ count: Int) { values = Array(repeating: 1, count: count) }
}

var boxes: [Box] = []
for index in 0..<10 { boxes.append(Box(1_000 * (index + 1))) }
boxes.removeFirst(5)
print(boxes.reduce(0) { $0 + $1.values.count })
