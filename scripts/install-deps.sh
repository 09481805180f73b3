#!/usr/bin/env bash
# Installs the Debian packages graphjit needs, only those missing (fast when all are there).
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ make python3 ccache
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools
  clang-19 libclang-rt-19-dev clang-format-19
  libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libopenblas-dev
  graphviz libgraphviz-dev libpng-dev libnlopt-dev libomp-19-dev
  openmpi-bin libopenmpi-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
