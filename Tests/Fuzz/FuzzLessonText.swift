// libFuzzer entry point for the rST-lite reader. Built by Tests/Fuzz/run.sh together with the LessonText
// sources (one module), not by SwiftPM.

/// Reads `size` bytes of `data` as a lesson and serialises its tree; libFuzzer calls it per input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLessonText(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  let document = LessonDocument(parsing: text, file: "fuzz.rst")
  _ = document.json()
  _ = document.root.debugDescription
  return 0
}
