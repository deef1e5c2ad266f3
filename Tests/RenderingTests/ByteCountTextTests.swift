import Rendering
import Testing

@Suite struct ByteCountTextTests {
  @Test("a share of any size is text, never a trap")
  func percentOfAnything() {
    #expect(ByteCountText.percent(1, of: 8) == "12.5%")
    #expect(ByteCountText.percent(UInt64.max, of: 1).hasSuffix("%"))
    #expect(ByteCountText.percent(UInt64.max, of: UInt64.max) == "100.0%")
    #expect(ByteCountText.describe(UInt64.max) == "16.0 EiB")
  }
}
