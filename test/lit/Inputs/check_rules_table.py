"""Compares `tensorjit-opt --list-rewrites` with the rules table in docs/rewrites.md."""
import re, sys

listed = []
for line in open(sys.argv[1]).read().strip().split("\n"):
    name, rest = line.split("  [", 1)
    tag, algebra = rest.split("]  ", 1)
    listed.append((name, tag, algebra))
documented = re.findall(r"^\| `([^`]+)` \| ([a-z_,]+) \| `(.*)` \|$", open(sys.argv[2]).read(), re.M)
if listed != documented:
    missing = set(listed) ^ set(documented)
    sys.exit(f"docs/rewrites.md is out of date: differs in {sorted(missing)[:5]}")
print(f"{len(listed)} rules documented")
