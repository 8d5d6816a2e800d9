#!/usr/bin/env bash
# Regenerates kernels/ptx/<family>.ptx from kernels/<family>.cu with the pinned NVRTC
# (scripts/cuda/requirements.txt), or writes them to the folder given as $1.
# Reproducible: the same sources give the same bytes on any x86_64 Linux machine.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
out=${1:-$cuda_root/kernels/ptx}
mkdir -p "$out"
pids=()
for cu in "$cuda_root"/kernels/*.cu; do
    name=$(basename "$cu" .cu)
    "$cuda_venv/bin/python" "$cuda_root/scripts/cuda/nvrtc_ptx.py" "$NVRTC_LIB" \
        "$cuda_root/kernels" "$cu" "$out/$name.ptx" &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
