// pattern_swift.swift — a Swift program with designed allocations between two markers.
//
// Build: swiftc -g pattern_swift.swift -o pattern_swift   (prints nothing; runs unchanged untracked)
//
// Between the markers "start" and "end" the program itself allocates, in this order:
//   a raw buffer of 100_000 bytes (leaked), a raw buffer of 200_000 bytes (freed),
//   1_000 instances of `Pair` (16-byte object header + two Ints = 32 bytes each, each freed
//   as soon as it is made), and two `Ring` instances (16 + 8 = 24 bytes each) that point at
//   each other, so ARC never frees them.
// Exact truth, counting only what is allocated between the markers: at most 300_000 bytes alive
// at once (both buffers); 1_004 allocations, 1_001 of them temporary (the scratch buffer and every
// Pair are freed before the next allocation); 100_048 bytes in 3 blocks leaked.
import Glibc

typealias MarkerFunction = @convention(c) (UnsafePointer<CChar>) -> Void

/// The tracker's marker function, when the tracker is preloaded.
let marker: MarkerFunction? = dlsym(nil, "workshop_tracker_marker").map {
  unsafeBitCast($0, to: MarkerFunction.self)
}

final class Pair {
  var first = 1
  var second = 2
}

final class Ring {
  var next: Ring?
}

@inline(never) func churnPairs(_ count: Int) -> Int {
  var sum = 0
  for _ in 0..<count {
    let pair = Pair()
    sum &+= pair.first &+ pair.second
  }
  return sum
}

@inline(never) func leakRing() {
  let first = Ring()
  let second = Ring()
  first.next = second
  second.next = first
}

@inline(never) func workload() -> Int {
  let kept = UnsafeMutableRawPointer.allocate(byteCount: 100_000, alignment: 8)
  kept.storeBytes(of: 1, as: UInt8.self)
  let scratch = UnsafeMutableRawPointer.allocate(byteCount: 200_000, alignment: 8)
  scratch.storeBytes(of: 2, as: UInt8.self)
  scratch.deallocate()
  let sum = churnPairs(1_000)
  leakRing()
  return sum + Int(kept.load(as: UInt8.self))
}

/// Marks with a static C string: converting a String to a C string may allocate, inside the region.
func mark(_ name: StaticString) {
  marker?(UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self))
}

mark("start")
let result = workload()
mark("end")
exit(result == 3_001 ? 0 : 1)
