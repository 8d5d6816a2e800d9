#!/usr/bin/env bash
# Runs the Rust CUDA backend on the CPU: tests/devices.rs and tests/gradcheck.rs built with
# `--features cuda` (linked against the stub, scripts/cuda/stub_libcuda.sh) and run with the
# emulated driver (scripts/cuda/emu_driver.sh) on LD_LIBRARY_PATH and
# TYPETENSOR_REQUIRE_CUDA=1, so every `cuda` test runs its real launch code (kernel names
# and modules, parameter lists, Layout4s and bounds, launch configurations, empty-launch
# skipping, index-error flow, in-place writes, optimizer structs, context handling across
# threads) against the kernels' own C++ compiled for the host: devices.rs compares every op
# family with the CPU, gradcheck.rs checks every differentiable op's backward on the device
# against finite differences. Extra arguments go to the test binaries' filter (e.g.
# `cuda::matmul`, `cuda::grad_mm`). What it cannot show: anything of the real GPU, driver, PTX JIT or
# memory model (see kernels/emu/driver.cpp).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bash scripts/cuda/emu_driver.sh
export CUDA_LIBRARY_PATH=$root/target/cuda-stub
# Build first without the emulated driver on the library path (cargo and rustc never load
# libcuda, but keep the tools' environment plain).
tests=(--test devices --test gradcheck --test dyn_dims)
cargo test --features cuda "${tests[@]}" --no-run
# Both schedules of the emulator (kernels/emu/emu.cpp), as emu_test.sh: every suite under
# the near-lockstep schedule; under the adversarial one (blocks last first, warps running
# ahead) the op suites, whose launches cover every kernel, but not the finite-difference
# gradchecks, which launch the same kernels thousands of times more (the schedule changes
# the kernels' interleaving, which emu_test.sh checks under both; the Rust launch code
# does not depend on it). That keeps CI well inside its time.
# The gradchecks' finite differences perturb 8 evenly spaced coordinates of each input
# (first and last included) instead of all of them: each perturbation is a forward pass of
# emulated launches, and the full set took 7 minutes of CI. The backward itself is computed
# in full on the device. `TYPETENSOR_GRADCHECK_SAMPLE=0 bash scripts/cuda/emu_rust_test.sh`
# checks every coordinate (as the CPU run in `cargo test` always does).
echo "emu_rust_test: forward schedule"
LD_LIBRARY_PATH=$root/target/cuda-emu/driver/lib64 TYPETENSOR_REQUIRE_CUDA=1 \
    TYPETENSOR_GRADCHECK_SAMPLE=${TYPETENSOR_GRADCHECK_SAMPLE:-8} \
    TYPETENSOR_EMU_ORDER=forward cargo test --features cuda "${tests[@]}" -- "$@"
echo "emu_rust_test: reverse schedule (op suites)"
LD_LIBRARY_PATH=$root/target/cuda-emu/driver/lib64 TYPETENSOR_REQUIRE_CUDA=1 \
    TYPETENSOR_EMU_ORDER=reverse cargo test --features cuda --test devices --test dyn_dims -- "$@"
