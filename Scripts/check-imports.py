#!/usr/bin/env python3
"""Fails when a target's Swift file imports another target of this package (or a product of a
package it depends on) that the target does not declare in Package.swift. SwiftPM would build it
anyway, from whatever happens to be built already: the declared graph would lie."""
import json, os, re, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
package = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=root, check=True,
                                    capture_output=True, text=True).stdout)
targets = {t["name"]: t for t in package["targets"]}
products = {"ArgumentParser"}  # the products of the packages we depend on that sources import
problems = []
for name, target in targets.items():
    folder = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", name)
    declared = set()
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                declared.add(dependency[kind][0])
    excluded = [os.path.join(folder, e) for e in target.get("exclude", [])]
    for directory, _, files in os.walk(os.path.join(root, folder)):
        relative_directory = os.path.relpath(directory, root)
        if any(relative_directory == e or relative_directory.startswith(e + "/") for e in excluded):
            continue
        for file in files:
            if not file.endswith(".swift"):
                continue
            path = os.path.join(directory, file)
            for number, line in enumerate(open(path, encoding="utf-8"), 1):
                match = re.match(r"\s*(?:@testable\s+|@_\w+\s+)?import\s+(?:struct\s+|enum\s+|class\s+|func\s+)?(\w+)", line)
                if not match:
                    continue
                module = match.group(1)
                if (module in targets or module in products) and module != name and module not in declared:
                    problems.append(f"{os.path.relpath(path, root)}:{number}: imports {module}, "
                                    f"which target {name} does not declare in Package.swift")
for problem in problems:
    print(problem, file=sys.stderr)
sys.exit(1 if problems else 0)
