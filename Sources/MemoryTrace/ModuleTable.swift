import Synchronization

/// A loaded object (the executable or a shared library) from a MODULES record.
public struct Module: Sendable, Hashable {
  /// Its path as the dynamic linker reported it (empty for the main program on some systems).
  public var path: String
  /// The load bias (`dlpi_addr`): an address minus the bias is the offset into the file's image.
  public var loadBias: UInt64
  /// The lowest address of its `PT_LOAD` segments.
  public var lowAddress: UInt64
  /// The end (exclusive) of its `PT_LOAD` segments.
  public var highAddress: UInt64

  /// Creates a module.
  public init(path: String, loadBias: UInt64, lowAddress: UInt64, highAddress: UInt64) {
    self.path = path
    self.loadBias = loadBias
    self.lowAddress = lowAddress
    self.highAddress = highAddress
  }

  /// Whether `address` lies within `lowAddress..<highAddress`.
  public func contains(_ address: UInt64) -> Bool { lowAddress <= address && address < highAddress }
}

/// The modules in force at one point of a capture; each MODULES record replaces the whole table.
public struct ModuleTable: Sendable, Equatable {
  /// The modules in record order.
  public private(set) var modules: [Module]
  /// Indices into `modules`, sorted by `lowAddress`, for lookup.
  private var byAddress: [Int]
  /// A number no other table made in this process has (0 for an empty table): a ``FrameTable``
  /// remembers the answer of its last lookup only for the table that gave it. Not part of equality.
  let identity: Int

  /// Creates a table.
  public init(_ modules: [Module] = []) {
    self.modules = modules
    self.byAddress = modules.indices.sorted { modules[$0].lowAddress < modules[$1].lowAddress }
    identity = modules.isEmpty ? 0 : tablesMade.add(1, ordering: .relaxed).newValue
  }

  /// The module whose segments contain `address`, if any.
  ///
  /// - Complexity: O(log *n*) for *n* modules.
  public func module(containing address: UInt64) -> Module? {
    index(containing: address).map { modules[$0] }
  }

  /// The index in ``modules`` of the module containing `address`, if any.
  ///
  /// - Complexity: O(log *n*) for *n* modules (O(*n*) if modules overlap, which they should not).
  public func index(containing address: UInt64) -> Int? { lookup(address)?.index }

  /// The index in ``modules`` of the module containing `address`, and the addresses around it
  /// for which ``index(containing:)`` gives the same answer (empty where modules overlap): a caller looking up address after
  /// address in one module (a stack's frames) need not search again while they stay in it.
  ///
  /// - Complexity: O(log *n*) for *n* modules (O(*n*) if modules overlap, which they should not).
  func lookup(_ address: UInt64) -> (index: Int, sameAnswer: Range<UInt64>)? {
    // Find the last module starting at or below `address`.
    var low = 0
    var high = byAddress.count
    while low < high {
      let middle = (low + high) / 2
      if modules[byAddress[middle]].lowAddress <= address { low = middle + 1 } else { high = middle }
    }
    var candidate = low - 1
    while candidate >= 0 {
      let module = modules[byAddress[candidate]]
      if module.contains(address) {
        guard candidate == low - 1 else {
          // Found left of the last module starting below it (overlapping modules): no span.
          return (byAddress[candidate], address..<address)
        }
        // Up to the next module's start, every address in this module finds it first.
        let end =
          low < byAddress.count ? min(module.highAddress, modules[byAddress[low]].lowAddress) : module.highAddress
        return (byAddress[candidate], module.lowAddress..<end)
      }
      candidate -= 1
      // Without overlaps the first candidate decides; with overlaps keep looking left.
      if candidate >= 0 && modules[byAddress[candidate]].highAddress <= module.lowAddress { break }
    }
    return nil
  }

  /// Tables are equal when their modules are, in the same order.
  public static func == (lhs: ModuleTable, rhs: ModuleTable) -> Bool { lhs.modules == rhs.modules }
}

/// How many non-empty module tables were made: the source of ``ModuleTable/identity``.
private let tablesMade = Atomic<Int>(0)
