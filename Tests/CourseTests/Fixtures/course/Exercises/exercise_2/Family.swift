final class Parent {
  var children: [Child] = []
  let name: String
  init(name: String) { self.name = name }
}

final class Child {
  var parent: Parent?
  let name: String
  init(name: String) { self.name = name }
}

/// A parent with one child, each knowing the other; returns the child's name.
func adopt(_ name: String) -> String {
  let parent = Parent(name: "parent of \(name)")
  let child = Child(name: name)
  parent.children.append(child)
  child.parent = parent
  return child.name
}
