#!/usr/bin/env bash
# CI check of the committed PTX: regenerates it into a temporary folder and fails if any
# file differs from kernels/ptx/ (or one is missing or extra), then assembles every
# committed file with ptxas for sm_80 (A100) and sm_90 (H100/H200), warnings as errors.
# Needs no GPU. About 10 s once the pinned wheels are installed under target/.
set -euo pipefail
here=$(dirname "$0")
source "$here/toolchain.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/ptx"
bash "$here/build_ptx.sh" "$tmp/ptx"
if ! diff -r "$cuda_root/kernels/ptx" "$tmp/ptx" >"$tmp/diff"; then
    head -n 40 "$tmp/diff" >&2
    echo "check_ptx: kernels/ptx/ is not what kernels/*.cu compile to:" \
        "run scripts/cuda/build_ptx.sh and commit the result" >&2
    exit 1
fi

pids=()
for ptx in "$cuda_root"/kernels/ptx/*.ptx; do
    for arch in sm_80 sm_90; do
        "$PTXAS" --gpu-name "$arch" --warning-as-error "$ptx" \
            -o "$tmp/$(basename "$ptx" .ptx).$arch.cubin" &
        pids+=($!)
    done
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
if ((failed > 0)); then
    echo "check_ptx: $failed of ${#pids[@]} ptxas runs failed" >&2
    exit 1
fi
echo "check_ptx: kernels/ptx/ is up to date; ${#pids[@]} ptxas runs (sm_80, sm_90) passed"
