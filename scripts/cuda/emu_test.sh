#!/usr/bin/env bash
# Tests the kernels' logic on the CPU: compiles kernels/*.cu as host C++ under the fiber
# emulation of kernels/emu/emu.h and runs kernels/emu/tests.cpp, which checks every kernel
# family against reference loops with the Rust CPU kernels' semantics (bit-exact where the
# CPU is). Needs only g++; no GPU, no CUDA. It tests indexing, tiling, bounds and numerics
# logic, not the PTX or the GPU's memory model (see emu.h).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/target/cuda-emu
mkdir -p "$out"
CXX=${CXX:-g++}
# No contraction of a*b+c on the host either, as --fmad=false on the device.
flags=(-std=c++17 -O1 -g -ffp-contract=off -Wall -Wno-unknown-pragmas -Werror)
pids=()
for cu in "$root"/kernels/*.cu; do
    name=$(basename "$cu" .cu)
    "$CXX" "${flags[@]}" -include "$root/kernels/emu/emu.h" -x c++ -c "$cu" -o "$out/$name.o" &
    pids+=($!)
done
"$CXX" "${flags[@]}" -c "$root/kernels/emu/emu.cpp" -o "$out/emu.o" &
pids+=($!)
"$CXX" "${flags[@]}" -c "$root/kernels/emu/tests.cpp" -o "$out/tests.o" &
pids+=($!)
for pid in "${pids[@]}"; do wait "$pid"; done
"$CXX" -o "$out/emu_tests" "$out"/*.o
# Both schedules (kernels/emu/emu.cpp): near lockstep, then each warp as far ahead as it can
# go, last block first. A kernel right on a GPU passes both; a missing barrier fails one.
echo "emu_test: lockstep schedule"
"$out/emu_tests"
echo "emu_test: reverse, warp-greedy schedule"
TYPETENSOR_EMU_ORDER=reverse "$out/emu_tests"
