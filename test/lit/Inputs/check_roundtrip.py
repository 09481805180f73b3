"""Checks that every valid .gj file below a folder round-trips through tensorjit-opt.

Files whose RUN lines expect failure ('RUN: not') are negative tests and are skipped."""
import pathlib, subprocess, sys

tool, root = sys.argv[1], pathlib.Path(sys.argv[2])
checked = 0
for path in sorted(root.rglob("*.gj")):
    text = path.read_text()
    if "RUN: not" in text:
        continue
    first = subprocess.run([tool, str(path)], capture_output=True, text=True)
    if first.returncode != 0:
        sys.exit(f"{path}: does not parse:\n{first.stderr}")
    second = subprocess.run([tool, "-"], input=first.stdout, capture_output=True, text=True)
    if second.returncode != 0 or second.stdout != first.stdout:
        sys.exit(f"{path}: printed form does not round-trip:\n{first.stdout}\n---\n{second.stdout}{second.stderr}")
    checked += 1
if checked < 5:
    sys.exit(f"only {checked} .gj files found below {root}")
print(f"{checked} files round-trip")
