// swift-tools-version:6.0
// The workshop package. The preloaded tracker (Sources/Tracker) is C built by Scripts/build-tracker.sh,
// not by SwiftPM: SwiftPM links libswiftCore and libstdc++ into every dynamic library it makes, and
// the tracker must link neither (see docs/capture-format.md and Sources/Tracker/README.md).
import PackageDescription

let package = Package(
  name: "workshop",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "workshop", targets: ["workshop"]),
    .executable(name: "workshop-demo", targets: ["WorkshopDemo"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // The capture format: one C header shared by the tracker and the reader.
    .target(name: "TrackerFormat"),
    // zstd, for captures compressed once their program has ended.
    .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
    // Reads captures (finished or still growing, plain or compressed) into events.
    // Release builds serialize every function of the reader into its module, so that the reader's
    // generic decoding (`CaptureReader.read(into:)` and all below it) is specialized for the visitor
    // in the module that calls it (the profiler's, `MemoryAnalysis`): without it none was, and each
    // event reached the visitor through a witness thunk. Plain `-cross-module-optimization`
    // serializes a function only if all it calls can be (it specialized `read` and `decode`, the
    // rest stayed generic). `stats --json` CPU: churn -13 %, python -7 %, tree20 -7 %, threads2/8
    // -5 % (session 15). `-sil-cross-module-serialize-all` is a hidden option of this toolchain's
    // (Swift 6.3), meant for investigating performance, with no promise to stay: should a toolchain
    // refuse it ("Unknown command line argument '-sil-cross-module-serialize-all'"), delete the two
    // `-Xllvm` words; only the speed above is lost.
    .target(
      name: "MemoryTrace", dependencies: ["TrackerFormat", "CZstd"],
      swiftSettings: [
        .unsafeFlags(
          ["-cross-module-optimization", "-Xllvm", "-sil-cross-module-serialize-all"], .when(configuration: .release))
      ]),
    // Names frames: llvm-symbolizer for files, lines and inlined frames, the Swift runtime to demangle.
    .target(name: "Symbols", dependencies: ["ProcessLaunch"]),
    // posix_spawn with every descriptor past 2 closed, and waitpid: children that cannot hold us up.
    .target(name: "CProcessLaunch"),
    .target(name: "ProcessLaunch", dependencies: ["CProcessLaunch"]),
    // A prefetch the analysis asks for: Swift has none of its own.
    .target(name: "CCacheHints"),
    // Peak, timeline, leaks, temporary allocations, allocation tree.
    .target(name: "MemoryAnalysis", dependencies: ["MemoryTrace", "Symbols", "CCacheHints"]),
    // How many terminal columns text takes: the reader's grid tables and every renderer need it.
    .target(name: "TextWidth"),
    // The rST-lite reader: source text to a document tree. No terminal code.
    .target(name: "LessonText", dependencies: ["TextWidth"]),
    // Renderers with no I/O, all drawing into cell grids: tables, charts, icicles, lesson text;
    // the terminal capabilities and the ANSI writer for printed grids.
    .target(name: "Rendering", dependencies: ["MemoryTrace", "MemoryAnalysis", "LessonText", "Symbols", "TextWidth"]),
    // Course catalog, building and running programs under the tracker.
    .target(
      name: "WorkshopKit",
      dependencies: ["MemoryTrace", "MemoryAnalysis", "Rendering", "LessonText", "Symbols", "ProcessLaunch"]),
    // ncursesw for the terminal UI: a modulemap and static inline wrappers of its macros.
    .systemLibrary(name: "CNcursesw"),
    .target(name: "CTerminalGuard"),
    // The terminal: detection, the screen (the only ncurses user), keys and events; the lesson pager.
    .target(name: "TerminalUI", dependencies: ["CNcursesw", "CTerminalGuard", "Rendering"]),
    // `workshop start`: the course on one screen. Plain state and pure drawing (CourseScreenState,
    // CourseScreen), and the app that runs them on the terminal (CourseApp).
    .target(
      name: "CourseUI",
      dependencies: [
        "WorkshopKit", "TerminalUI", "Rendering", "LessonText", "TextWidth", "MemoryAnalysis", "ProcessLaunch",
      ]),
    // `workshop view` and `workshop run --live`: the explorer of a capture and the live screen of any
    // program. Plain state and pure drawing (ProfileExplorerState, LiveProfileState, ProfileScreen),
    // and the app that runs them on the terminal (ProfileApp).
    .target(
      name: "ProfileUI",
      dependencies: ["WorkshopKit", "TerminalUI", "Rendering", "MemoryAnalysis", "MemoryTrace", "Symbols", "TextWidth"]),
    .executableTarget(
      name: "workshop",
      dependencies: [
        "CourseUI", "ProfileUI", "WorkshopKit", "TerminalUI", "ProcessLaunch", "MemoryTrace", "Rendering", "LessonText",
        "TextWidth", "MemoryAnalysis",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // The small program that the README's first command runs under the tracker.
    .executableTarget(name: "WorkshopDemo"),

    // What every test that runs real programs shares: finding the products, compiling programs once,
    // running commands, running a program under the real tracker.
    .target(
      name: "WorkshopTestSupport", dependencies: ["MemoryTrace", "MemoryAnalysis", "ProcessLaunch"],
      path: "Tests/TestSupport"),
    // Preloads the real tracker into real C and Swift programs (Programs/, compiled at test time).
    .testTarget(
      name: "TrackerTests", dependencies: ["MemoryTrace", "MemoryAnalysis", "WorkshopKit", "WorkshopTestSupport"],
      exclude: ["Programs"]),
    .testTarget(name: "MemoryTraceTests", dependencies: ["MemoryTrace", "WorkshopTestSupport"], exclude: ["Fixtures"]),
    // LiveRun and the running of programs under the real tracker (Programs/ compiled at test time).
    .testTarget(
      name: "WorkshopKitTests",
      dependencies: ["WorkshopKit", "MemoryAnalysis", "ProcessLaunch", "WorkshopTestSupport"],
      exclude: ["Programs"]),
    // `workshop start`: its screen as plain state (no terminal), and the real binary driven in tmux.
    .testTarget(
      name: "CourseUITests",
      dependencies: [
        "CourseUI", "WorkshopKit", "TerminalUI", "Rendering", "LessonText", "MemoryAnalysis", "Symbols",
        "WorkshopTestSupport",
      ]),
    // The explorer's and the live screen's state (no terminal), temporal snapshots of real captures,
    // and `workshop view` / `workshop run --live` driven in tmux.
    .testTarget(
      name: "ProfileUITests",
      dependencies: [
        "ProfileUI", "WorkshopKit", "TerminalUI", "Rendering", "MemoryAnalysis", "MemoryTrace", "Symbols",
        "WorkshopTestSupport",
      ],
      exclude: ["Programs"]),
    .testTarget(name: "ProcessLaunchTests", dependencies: ["ProcessLaunch", "WorkshopTestSupport"]),
    .testTarget(name: "MemoryAnalysisTests", dependencies: ["MemoryTrace", "MemoryAnalysis", "Symbols"]),
    .testTarget(name: "LessonTextTests", dependencies: ["LessonText"]),
    .testTarget(
      name: "RenderingTests", dependencies: ["Rendering", "MemoryAnalysis", "Symbols", "LessonText", "TextWidth"]),
    // The pager's state driven by keys, key decoding, the event loop on pipes: no terminal needed.
    .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "Rendering", "LessonText"]),
    .testTarget(name: "SymbolsTests", dependencies: ["Symbols", "WorkshopTestSupport"], exclude: ["Programs"]),
    // End to end: programs run under the real tracker, then workshop flamegraph (Programs/ compiled at test time).
    .testTarget(
      name: "ReportTests", dependencies: ["WorkshopKit", "MemoryTrace", "MemoryAnalysis", "WorkshopTestSupport"],
      exclude: ["Programs"]),
    // `workshop lesson`: the course catalog, and the real binary driven in tmux.
    .testTarget(name: "LessonCommandTests", dependencies: ["WorkshopKit", "WorkshopTestSupport"]),
    // The course engine end to end (the built workshop on Fixtures/course copies) and the course
    // verification of every exercise in Exercises/.
    .testTarget(
      name: "CourseTests", dependencies: ["WorkshopKit", "MemoryAnalysis", "Rendering", "WorkshopTestSupport"],
      exclude: ["Fixtures"]),
    // Times rendering a long lesson (Benchmarks/lesson-render.sh).
    .executableTarget(
      name: "LessonBenchmark", dependencies: ["LessonText", "Rendering"], path: "Benchmarks/LessonBenchmark"),
    // Times Screen.draw of a 200x60 grid on a real terminal, and rendering the course screen's
    // chart and icicle explorer (Benchmarks/screen-draw.sh).
    .executableTarget(
      name: "ScreenBenchmark", dependencies: ["Rendering", "TerminalUI", "MemoryAnalysis", "Symbols"],
      path: "Benchmarks/ScreenBenchmark"),
  ]
)

// Every module a file uses is imported by that file (not reached through another file's import),
// and every module of this package a target imports is declared above (Scripts/check-imports.py,
// which Scripts/test.sh runs first).
for target in package.targets where target.type != .system {
  target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
