import Foundation
import Testing

@testable import Symbols

/// How long 100 000 distinct frames take to name. Run with WORKSHOP_MEASURE=1; it prints the time.
@Suite struct SymbolizationMeasurement {
  @Test(.enabled(if: ProcessInfo.processInfo.environment["WORKSHOP_MEASURE"] == "1"))
  func hundredThousandDistinctFrames() throws {
    // Real code addresses: a spread over each text symbol of three large libraries, one with debug
    // information (libc), two Swift libraries with symbols only.
    let libraries = [
      "/opt/swift/usr/lib/swift/linux/libswiftCore.so",
      "/opt/swift/usr/lib/swift/linux/libFoundationEssentials.so",
      "/lib/x86_64-linux-gnu/libc.so.6",
    ]
    var locations: [CodeLocation] = []
    for library in libraries {
      let (_, table) = try SymbolTestSupport.run(["nm", "-D", "--defined-only", library])
      for line in table.split(separator: "\n") {
        let fields = line.split(separator: " ")
        guard fields.count == 3, fields[1] == "T" || fields[1] == "t", let start = UInt64(fields[0], radix: 16)
        else { continue }
        for step in 0..<12 { locations.append(CodeLocation(module: library, offset: start + 1 + UInt64(step) * 4)) }
      }
    }
    locations = Array(Set(locations)).shuffled().prefix(100_000).map { $0 }
    let symbolizer = Symbolizer(resolver: try LLVMSymbolizer())
    let clock = ContinuousClock()
    let elapsed = try clock.measure { try symbolizer.resolve(locations) }
    let named = locations.filter { symbolizer.frames(of: $0).last?.function != nil }.count
    print("symbolized \(locations.count) distinct frames (\(named) named) in \(elapsed)")
    let again = clock.measure { for location in locations { _ = symbolizer.frames(of: location) } }
    print("cached lookups of the same \(locations.count) frames: \(again)")
    #expect(named > locations.count * 9 / 10)
  }
}
