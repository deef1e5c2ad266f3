import CProcessLaunch

#if canImport(Glibc)
  import Glibc
#endif

extension ProcessLaunch {
  /// Starts a helper that must die with us and stay within `addressSpaceBytes` of address space:
  /// like ``spawn()``, but the child is killed (SIGKILL) when this process dies, however it dies,
  /// and its allocations fail past the bound. The child always leads a process group of its own.
  ///
  /// `posix_spawn` can set neither, so this forks and sets both in the child before `execve`. The
  /// program must be a path (no `PATH` search); the standard streams are the paths given, or
  /// /dev/null for those that are nil.
  public func spawnBounded(addressSpaceBytes: UInt64) throws(ProcessLaunchError) -> pid_t {
    guard let program = arguments.first, !program.isEmpty else { throw .noProgram }
    var opened: [Int32] = []
    defer { opened.forEach { close($0) } }
    for (descriptor, path) in [(Int32(0), standardInputPath), (1, standardOutputPath), (2, standardErrorPath)] {
      let flags = descriptor == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC
      let file = open(path ?? "/dev/null", flags | O_CLOEXEC, 0o644)
      guard file >= 0 else {
        throw .notStarted(
          program: program, reason: "\(path ?? "/dev/null") cannot be opened (\(String(cString: strerror(errno))))")
      }
      opened.append(file)
    }
    return try spawnBounded(
      addressSpaceBytes: addressSpaceBytes, input: opened[0], output: opened[1], errorOutput: opened[2])
  }

  /// ``spawnBounded(addressSpaceBytes:)`` with the child's standard streams given as open
  /// descriptors (pipe ends, say) instead of paths; the caller keeps and closes them.
  public func spawnBounded(addressSpaceBytes: UInt64, input: Int32, output: Int32, errorOutput: Int32)
    throws(ProcessLaunchError) -> pid_t
  {
    guard let program = arguments.first, !program.isEmpty else { throw .noProgram }
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      argv.forEach { free($0) }
      envp.forEach { free($0) }
    }
    var failure: Int32 = 0
    let pid = workshop_spawn_bounded(program, argv, envp, input, output, errorOutput, addressSpaceBytes, &failure)
    guard pid > 0 else { throw .notStarted(program: program, reason: String(cString: strerror(failure))) }
    return pid
  }
}
