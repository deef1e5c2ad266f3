import ArgumentParser

/// The `workshop` command: a terminal workshop that teaches memory debugging.
@main
struct Workshop: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "workshop",
    abstract: "A terminal workshop that teaches memory debugging in Swift.",
    subcommands: [
      Start.self, Run.self, View.self, Stats.self, Flamegraph.self, Summary.self, Lesson.self, Check.self, Hint.self,
      Solution.self,
      List.self, Reset.self, Prepare.self,
    ]
  )
}
