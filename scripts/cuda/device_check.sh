#!/usr/bin/env bash
# The GPU check as one prepared command, for a lent GPU machine reached through the workplace's
# `device` tool (a copy of this checkout, no Rust toolchain needed there, a short budget).
#
# Here, first (no GPU needed; ~1-4 min):
#   bash scripts/cuda/gpu_bundle.sh           # -> target/gpu-bundle.tar.gz (about 8 MiB)
# Then one device call, from the repository root there:
#   run(command="bash scripts/cuda/device_check.sh", carry=["target/gpu-bundle.tar.gz"],
#       timeout_s=540)
#
# It unpacks the bundle into a temporary folder, runs its run.sh (the full run: every CUDA
# test binary with TYPETENSOR_REQUIRE_CUDA=1, the lesson stages on both devices, the whole
# lesson, SGEMM at 1024^3 and 4096^3; `--quick` as the first argument skips the last two
# heavy steps) under a time limit that leaves the call time to return, and puts
# summary.txt and results.tar.gz (every log) under $OUT, which the tool brings back.
# Exits with run.sh's status (124 if the limit stopped it).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-$PWD/target/device-check}
limit=${DEVICE_CHECK_LIMIT_S:-480}
mkdir -p "$out"
if [[ ! -f target/gpu-bundle.tar.gz ]]; then
    echo "device_check: target/gpu-bundle.tar.gz is missing: build it with" \
        "scripts/cuda/gpu_bundle.sh and carry it" | tee "$out/summary.txt" >&2
    exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar xzf target/gpu-bundle.tar.gz -C "$work"
timeout "$limit" "$work/gpu-bundle/run.sh" "$@"
rc=$?
cp "$work/gpu-bundle/results/summary.txt" "$out/summary.txt" 2>/dev/null
tar -C "$work/gpu-bundle" -czf "$out/results.tar.gz" results BUILD-INFO
echo "device_check: run.sh exited $rc; results in $out (summary.txt, results.tar.gz)"
exit "$rc"
