import MemoryTrace

/// Checks the order of delivered records against the capture's rules: a FREE names a live block, an
/// ALLOC a free address, a stack node is defined before it is named, and a realloc's FREE is followed
/// by its ALLOC, or, when another thread got the old block back during the call, by that thread's
/// ALLOC of it (which, when that thread was in a realloc() of its own, comes after that call's FREE too).
public struct DeliveredOrderCheck: CaptureVisitor {
  var live: Set<UInt64> = []
  var nodes: UInt32 = 0
  /// The realloc FREEs delivered since the last ALLOC: at most two (a realloc's own, and the one of
  /// another thread whose old block this realloc got back).
  var pendingReallocFrees: [UInt64] = []
  public private(set) var allocations = 0
  public private(set) var deallocations = 0
  public private(set) var freesOfUnknownBlocks = 0
  public private(set) var allocationsOfLiveAddresses = 0
  public private(set) var framesAfterUse = 0
  public private(set) var reallocFreesNotFollowedByTheirAllocation = 0
  /// reallocs read as one FREE and its ALLOC together.
  public private(set) var reallocPairs = 0
  /// reallocs whose FREE came before another thread's ALLOC of the old address.
  public private(set) var reallocsSplit = 0

  public init() {}

  public mutating func visit(_ frame: FrameEvent) { nodes = max(nodes, frame.node) }

  public mutating func visit(_ allocation: AllocationEvent) {
    allocations += 1
    let isRealloc = allocation.kind == .realloc || allocation.kind == .reallocarray
    switch pendingReallocFrees.count {
    case 0:
      break
    case 1 where isRealloc:
      reallocPairs += 1
    case 1 where allocation.address == pendingReallocFrees[0]:
      reallocsSplit += 1
    case 2 where isRealloc && pendingReallocFrees.contains(allocation.address):
      reallocPairs += 1
      reallocsSplit += 1
    default:
      reallocFreesNotFollowedByTheirAllocation += pendingReallocFrees.count
    }
    pendingReallocFrees.removeAll(keepingCapacity: true)
    if allocation.stack > nodes { framesAfterUse += 1 }
    if !live.insert(allocation.address).inserted { allocationsOfLiveAddresses += 1 }
  }

  public mutating func visit(_ deallocation: DeallocationEvent) {
    deallocations += 1
    if deallocation.kind == .realloc && pendingReallocFrees.count < 2 {
      pendingReallocFrees.append(deallocation.address)
    } else {
      reallocFreesNotFollowedByTheirAllocation += pendingReallocFrees.count
      pendingReallocFrees.removeAll(keepingCapacity: true)
      if deallocation.kind == .realloc { pendingReallocFrees.append(deallocation.address) }
    }
    if live.remove(deallocation.address) == nil { freesOfUnknownBlocks += 1 }
  }
}
