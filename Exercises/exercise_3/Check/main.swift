// The check for exercise 3: correctness cases first, then the memory workload.

let small = Terrain(seed: 1, rows: 3, columns: 3)
checkCase("the corner costs nothing", small.cheapestClimb(toRow: 0, column: 0), equals: 0)
checkCase("a 3 × 3 terrain's heights", (0..<9).map { small.height(row: $0 / 3, column: $0 % 3) }, equals: [521, 663, 392, 814, 512, 567, 66, 859, 203])
checkCase("across a 3 × 3 terrain", small.cheapestClimb(toRow: 2, column: 2), equals: 197)
checkCase("along the top row", small.cheapestClimb(toRow: 0, column: 2), equals: 142)
checkCase("asking twice gives the same answer", small.cheapestClimb(toRow: 2, column: 2), equals: small.cheapestClimb(toRow: 2, column: 2))
checkCase("a second terrain has its own answers", Terrain(seed: 2, rows: 3, columns: 3).cheapestClimb(toRow: 2, column: 2), equals: 772)
checkCase("across ten 20 × 20 terrains", (10..<20).map { Terrain(seed: $0, rows: 20, columns: 20).cheapestClimb(toRow: 19, column: 19) }, equals: [2903, 2588, 3138, 2899, 2646, 2885, 2734, 3300, 2853, 3178])

measureWorkload {
  var total = 0
  for seed in 100..<160 {
    let terrain = Terrain(seed: seed, rows: 40, columns: 40)
    total += terrain.cheapestClimb(toRow: 39, column: 39)
  }
  keep(total)
}
