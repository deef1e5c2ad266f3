// stack_cache_swift.swift — Swift allocation patterns for the tracker's stack-cache verify mode.
//
// Build: swiftc -g stack_cache_swift.swift -o stack_cache_swift   (also -O)
// Run:   WORKSHOP_TRACKER_VERIFY_STACK_CACHE=1 WORKSHOP_CAPTURE=x.bin LD_PRELOAD=... ./stack_cache_swift
//
// Arrays that grow, classes, escaping closures, throw/catch through several frames, recursion
// (a tree), strings and dictionaries: repeated many times so that the same call sites recur
// with the same and with different stacks. Prints a checksum.

final class Node {
  var left: Node?
  var right: Node?
  var payload: [Int]
  init(_ depth: Int) {
    payload = Array(repeating: depth, count: depth + 1)
    if depth > 0 {
      left = Node(depth - 1)
      right = Node(depth - 1)
    }
  }
  func sum() -> Int { payload.reduce(0, +) + (left?.sum() ?? 0) + (right?.sum() ?? 0) }
}

struct Failure: Error { let code: Int; let note: String }

@inline(never) func mayThrow(_ value: Int, depth: Int) throws -> [String] {
  if depth > 0 { return try mayThrow(value, depth: depth - 1) }
  if value % 3 == 0 { throw Failure(code: value, note: "failure \(value)") }
  return ["ok \(value)", String(repeating: "x", count: value % 50)]
}

@inline(never) func makeClosures(_ count: Int) -> [() -> Int] {
  var closures: [() -> Int] = []
  for i in 0..<count {
    let box = [i, i * 2]
    closures.append { box.reduce(0, +) }
  }
  return closures
}

@inline(never) func growArray(_ count: Int) -> Int {
  var array: [Int] = []
  for i in 0..<count { array.append(i) }
  var dictionary: [String: Int] = [:]
  for i in 0..<(count / 8) { dictionary["key\(i)"] = i }
  return array.count + dictionary.count
}

var checksum = 0
for round in 0..<200 {
  checksum &+= Node(6 + round % 4).sum()
  for value in 0..<30 {
    do { checksum &+= try mayThrow(value, depth: value % 7).count } catch let failure as Failure {
      checksum &+= failure.code + failure.note.count
    } catch {}
  }
  checksum &+= makeClosures(20 + round % 5).map { $0() }.reduce(0, +)
  checksum &+= growArray(100 + round)
}
print(checksum)
