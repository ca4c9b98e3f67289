#!/usr/bin/env bash
# install_deps.sh: installs everything latentfactor needs on a fresh Debian 12 machine, from
# Debian's packages only. Idempotent: packages already present are skipped without touching apt.
# Used by the README's commands and (through tools/test.sh) by .ci/run.
#   tools/install_deps.sh            build + test dependencies
#   tools/install_deps.sh --reference  also PyTorch/scikit-learn/SciPy for tools/reference and bench/
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libopenblas-dev liblapacke-dev          # BLAS/LAPACK on the CPU
  libstb-dev                              # PNG/JPEG read, PNG write
  libgd-dev                               # animated GIF sweeps
  libzip-dev                              # .npz archives (FID statistics)
  libxxhash-dev                           # XXH3 fingerprints of sample files (directions metadata)
  nlohmann-json3-dev libcli11-dev         # JSON, command line
  libgtest-dev libgmock-dev libbenchmark-dev  # tests, benchmarks
  libboost-context-dev                    # fibers for the SIMT emulation
  clang libclang-rt-14-dev                # libFuzzer targets
  python3 python3-numpy                   # tools/convert.py, golden-file scripts
)
if [[ "${1:-}" == "--reference" ]]; then
  packages+=(python3-torch python3-scipy python3-sklearn)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install_deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
