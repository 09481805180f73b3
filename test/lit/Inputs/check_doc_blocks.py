"""Runs every ```gj code block of a Markdown file through tensorjit-opt twice (round trip)."""
import re, subprocess, sys

tool, doc = sys.argv[1], sys.argv[2]
blocks = re.findall(r"```gj\n(.*?)```", open(doc).read(), re.S)
if not blocks:
    sys.exit(f"{doc}: no gj blocks")
for i, block in enumerate(blocks):
    first = subprocess.run([tool, "-"], input=block, capture_output=True, text=True)
    if first.returncode != 0:
        sys.exit(f"{doc}: block {i} does not parse:\n{first.stderr}")
    second = subprocess.run([tool, "-"], input=first.stdout, capture_output=True, text=True)
    if second.stdout != first.stdout:
        sys.exit(f"{doc}: block {i} does not round-trip")
    if first.stdout != block:
        sys.exit(f"{doc}: block {i} is not in printed form; tensorjit-opt prints:\n{first.stdout}")
print(f"{len(blocks)} blocks ok")
