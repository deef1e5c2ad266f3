import Symbols

/// Hides the frames that only explain *how* memory was allocated — the allocator, the tracker, the
/// Swift runtime's allocation entry points, the standard library's growth internals, libc's start-up
/// — and keeps the frames the user wrote or called (memray's "hide irrelevant frames").
///
/// A stack is read from the outermost frame in. User frames are always kept. Of a run of library
/// frames, only the first is kept: the function the user called (`Array.append(_:)`,
/// `std::vector::push_back`, `strdup`), not how it works inside. Allocator and start-up frames are
/// never kept. The bytes of hidden frames go to the nearest kept frame above them.
public struct FrameFilter: Sendable {
  /// What a frame is for.
  public enum Role: Sendable, Equatable {
    /// Code the user wrote: kept.
    case user
    /// A library's code: the first one called from user code is kept, its callees hidden.
    case library
    /// Allocator, tracker or runtime allocation entry point: hidden.
    case allocator
    /// Process and thread start-up before the program's code: hidden.
    case startup
  }

  /// Where the filter is along a stack: what the last kept frame was.
  public enum State: Sendable, Hashable {
    /// Nothing kept yet.
    case start
    /// The last kept frame is the user's.
    case user
    /// The last kept frame is a library's.
    case library
  }

  /// Folders whose modules are libraries, not the user's code.
  public var libraryFolders: [String]
  /// File-name prefixes of library modules wherever they are installed.
  public var libraryModulePrefixes: [String]

  /// The filter for reports, with the system's and the Swift toolchain's folders as libraries.
  public init(
    libraryFolders: [String] = ["/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/", "/opt/swift/"],
    libraryModulePrefixes: [String] = [
      "libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime", "libstdc++", "libc++",
      "libc.so", "libc-", "libm.so", "libgcc_s", "ld-linux", "ld-musl", "linux-vdso", "libicu",
    ]
  ) {
    self.libraryFolders = libraryFolders
    self.libraryModulePrefixes = libraryModulePrefixes
  }

  /// Decides one frame: whether to keep it, and the state for the next (inner) frame.
  ///
  /// - Complexity: O(1) but for string prefix checks.
  public func step(_ state: State, _ frame: SymbolizedFrame) -> (keep: Bool, next: State) {
    step(state, role: role(of: frame))
  }

  /// ``step(_:_:)`` for a frame whose role is known already (a tree builder asks it once per
  /// location, not once per node).
  func step(_ state: State, role: Role) -> (keep: Bool, next: State) {
    switch role {
    case .user: return (true, .user)
    case .library: return state == .library ? (false, .library) : (true, .library)
    case .allocator, .startup: return (false, state)
    }
  }

  /// The visible frames of a stack given outermost first.
  ///
  /// - Complexity: O(frames).
  public func visibleFrames(_ stack: [SymbolizedFrame]) -> [SymbolizedFrame] {
    var state = State.start
    var kept: [SymbolizedFrame] = []
    for frame in stack {
      let (keep, next) = step(state, frame)
      if keep { kept.append(frame) }
      state = next
    }
    return kept
  }

  /// What `frame` is for.
  public func role(of frame: SymbolizedFrame) -> Role {
    let module = frame.module
    if module.hasPrefix("libworkshop_tracker") { return .allocator }
    if let function = frame.function {
      if Self.allocatorFunctions.contains(function) || Self.allocatorPrefixes.contains(where: function.hasPrefix) {
        return .allocator
      }
      if Self.startupFunctions.contains(function) { return .startup }
    }
    if isLibraryModule(frame.location.module) { return .library }
    // Standard-library code compiled into the user's module (specialised generics, inlined
    // templates) explains the library's work, not the user's.
    if let function = frame.function, Self.isStandardLibraryFunction(function) { return .library }
    return .user
  }

  /// Whether a module path belongs to the system or the toolchain rather than the user.
  public func isLibraryModule(_ path: String) -> Bool {
    if libraryFolders.contains(where: path.hasPrefix) { return true }
    let name = path.split(separator: "/").last.map(String.init) ?? path
    return libraryModulePrefixes.contains(where: name.hasPrefix)
  }

  static func isStandardLibraryFunction(_ function: String) -> Bool {
    var name = Substring(function)
    for prefix in ["specialized ", "generic specialization ", "merged ", "outlined ", "void ", "static "]
    where name.hasPrefix(prefix) {
      name = name.dropFirst(prefix.count)
    }
    if name.hasPrefix("std::") || name.hasPrefix("__gnu_cxx::") || name.hasPrefix("__cxx") { return true }
    guard let end = name.firstIndex(where: { $0 == "." || $0 == "(" || $0 == "<" }) else { return false }
    return standardLibraryNames.contains(String(name[..<end]))
  }

  static let standardLibraryNames: Set<String> = [
    "Array", "ArraySlice", "ContiguousArray", "_ContiguousArrayBuffer", "_ArrayBuffer", "_ArrayBufferProtocol",
    "_allocateUninitializedArray", "_copyCollectionToContiguousArray", "_copySequenceToContiguousArray",
    "_growArrayCapacity", "Dictionary", "_NativeDictionary", "_DictionaryStorage", "Set", "_NativeSet",
    "_SetStorage", "String", "_StringGuts", "_StringObject", "_StringStorage", "Substring", "Sequence",
    "Collection", "RangeReplaceableCollection", "MutableCollection", "ManagedBuffer", "_HashTable",
    "__RawDictionaryStorage", "__RawSetStorage", "_SwiftStringStorage", "KeyValuePairs",
  ]

  static let allocatorFunctions: Set<String> = [
    "malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign", "aligned_alloc", "memalign",
    "valloc", "pvalloc", "__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_memalign",
    "_int_malloc", "_int_realloc", "_int_memalign", "tcache_init", "malloc_hook_ini",
    "operator new(unsigned long)", "operator new[](unsigned long)",
    "operator new(unsigned long, std::align_val_t)", "operator new[](unsigned long, std::align_val_t)",
    "operator new(unsigned long, std::nothrow_t const&)", "operator new[](unsigned long, std::nothrow_t const&)",
    "swift_slowAlloc", "swift_slowAllocTyped", "swift_allocObject", "swift_allocBox", "swift_allocEmptyBox",
    "swift_bufferAllocate", "swift_initStackObject", "swift_allocError", "swift_task_alloc",
    "_swift_allocObject_", "swift::swift_slowAlloc(unsigned long, unsigned long)",
  ]

  static let allocatorPrefixes: [String] = ["workshop_tracker", "swift_slowAlloc", "_swift_allocObject"]

  static let startupFunctions: Set<String> = [
    "_start", "__libc_start_main", "__libc_start_call_main", "__libc_start_main_impl", "__libc_csu_init",
    "start_thread", "clone", "clone3", "_dl_start", "_dl_start_user", "_dl_init", "call_init", "_dl_catch_exception",
    "__GI__dl_catch_exception", "dl_open_worker", "dl_open_worker_begin", "_dl_catch_error", "_dl_open",
  ]
}
