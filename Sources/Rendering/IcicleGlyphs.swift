/// The characters that differ between Unicode and plain ASCII.
struct IcicleGlyphs {
  var ellipsis: String
  var narrowEllipsis: String
  var approximately: String
  var atLeast: String

  init(unicode: Bool) {
    ellipsis = unicode ? "…" : ".."
    narrowEllipsis = unicode ? "…" : "."
    approximately = unicode ? "≈" : "~"
    atLeast = unicode ? "≥" : ">="
  }
}
