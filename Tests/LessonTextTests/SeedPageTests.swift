import Foundation
import LessonText
import Testing

/// The memray tutorial pages beside the clone (`../shared/seeds/` from the repository root). Their text is
/// not copied into this repository; the tests are skipped when the folder is absent.
enum SeedPages {
  static let folder: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/seeds")

  static var files: [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.sorted().filter { $0.hasSuffix(".txt") || $0.hasSuffix(".rst") }.map {
      folder.appendingPathComponent($0)
    }
  }

  static var available: Bool { !files.isEmpty }
}

extension Node {
  /// Every node in the tree, depth first.
  var allNodes: [Node] { [self] + children.flatMap(\.allNodes) }
}

@Suite("Seed pages", .enabled(if: SeedPages.available, "../shared/seeds is absent"))
struct SeedPageTests {
  @Test("Both memray pages read with no warning but for unknown roles or directives")
  func noWarnings() throws {
    #expect(SeedPages.files.count >= 2)
    for file in SeedPages.files {
      let source = try String(contentsOf: file, encoding: .utf8)
      let document = LessonDocument(parsing: source, file: file.lastPathComponent)
      let unexpected = document.diagnostics.filter {
        !$0.message.hasPrefix("Unknown interpreted text role") && !$0.message.hasPrefix("Unknown directive type")
      }
      #expect(unexpected.isEmpty, "\(file.lastPathComponent): \(unexpected)")
    }
  }

  @Test("Their hints and solutions are collapsible blocks titled by the summary")
  func hintsAndSolutionsCollapse() throws {
    var titles: [String] = []
    for file in SeedPages.files {
      let document = LessonDocument(parsing: try String(contentsOf: file, encoding: .utf8))
      for node in document.root.allNodes {
        if case .collapsible(let title, .details) = node.kind { titles.append(title.collapsedText) }
      }
    }
    #expect(titles.contains("Hint 1"))
    #expect(titles.contains("Hint 2"))
    #expect(titles.contains("Toggle to see the sample solutions"))
    #expect(titles.contains("Toggle to see the sample solution"))
  }

  @Test("Their code blocks come out verbatim")
  func codeIsVerbatim() throws {
    for file in SeedPages.files {
      let source = try String(contentsOf: file, encoding: .utf8)
      let sourceLines = source.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
      let document = LessonDocument(parsing: source)
      var blocks = 0
      for node in document.root.allNodes {
        guard case .literalBlock(let text, _) = node.kind else { continue }
        blocks += 1
        for line in text.split(separator: "\n") {
          let trimmed = line.trimmingCharacters(in: .whitespaces)
          #expect(sourceLines.contains { $0 == trimmed || $0.hasPrefix("<code") && trimmed.isEmpty }, "\(line)")
        }
      }
      #expect(blocks >= 3)
    }
  }
}
