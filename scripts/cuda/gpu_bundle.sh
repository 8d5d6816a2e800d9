#!/usr/bin/env bash
# Builds everything a GPU check needs and packs it into target/gpu-bundle.tar.gz, for a
# machine with an NVIDIA GPU but no Rust toolchain and no network (x86_64 Linux, an NVIDIA
# driver for CUDA 12.0 or later, e.g. driver 580 / CUDA 13):
#
#   bash scripts/cuda/gpu_bundle.sh            # here (no GPU needed): ~2-4 min cold
#   # copy target/gpu-bundle.tar.gz to the GPU machine, then there:
#   tar xzf gpu-bundle.tar.gz && gpu-bundle/run.sh
#
# The binaries are release builds with `--features cuda`, linked against the stub
# libcuda.so.1 (scripts/cuda/stub_libcuda.sh): they record only `NEEDED libcuda.so.1`, so
# on the GPU machine they load its driver. The stub is NOT in the bundle.
#
# run.sh runs, with TYPETENSOR_REQUIRE_CUDA=1 (so nothing passes by skipping):
#   1. the CUDA test binaries (tests/devices.rs: every op family, backward, optimizers, on
#      the CPU and the GPU, compared; tests/gradcheck.rs: every differentiable op's
#      gradient against finite differences, on each device);
#   2. the lesson: 04_cuda_tensors, and each network stage (06, 08, 09, 10, 11) with
#      `--device cpu` and `--device cuda`, comparing the loss curves iteration by iteration
#      (the tolerance of tests/lesson_parity.rs: 1e-5 growing to 5% along the chaotic curve);
#      then the whole `lesson -- --device cuda`;
#   3. the SGEMM benchmark (examples/cuda_gemm_bench.rs) at 1024^3 and 4096^3.
# Everything it prints is also kept in gpu-bundle/results/; it exits non-zero if any
# check failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
stage=$root/target/gpu-bundle
# The test targets that exercise the CUDA device (the others test the CPU only, and some
# read data files from this checkout at run time).
cuda_tests=(devices gradcheck)
examples=(lesson 04_cuda_tensors 06_tensor_two_layer 08_autograd_two_layer 09_nn_sequential
    10_optim 11_custom_module cuda_gemm_bench)

bash scripts/cuda/stub_libcuda.sh
export CUDA_LIBRARY_PATH=$root/target/cuda-stub

echo "gpu_bundle: building the test binaries (release, --features cuda)" >&2
json=$root/target/gpu-bundle.json
cargo test --release --features cuda --no-run --message-format=json \
    "${cuda_tests[@]/#/--test=}" >"$json"
echo "gpu_bundle: building the examples" >&2
cargo build --release --features cuda "${examples[@]/#/--example=}"

rm -rf "$stage"
mkdir -p "$stage/tests" "$stage/examples"
# The executables of the test targets, from cargo's JSON messages.
python3 - "$json" "$stage/tests" "${cuda_tests[@]}" <<'PY'
import json, shutil, sys, os
messages, dest, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])
found = set()
for line in open(messages):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") != "compiler-artifact" or not msg.get("executable"):
        continue
    if not msg["profile"]["test"]:
        continue
    name = msg["target"]["name"]
    if name in wanted:
        shutil.copy2(msg["executable"], os.path.join(dest, name))
        found.add(name)
missing = wanted - found
if missing:
    sys.exit(f"gpu_bundle: test executables not found: {sorted(missing)}")
PY
for e in "${examples[@]}"; do
    cp "$target/release/examples/$e" "$stage/examples/$e"
done

# Binaries must not carry an rpath to the stub.
for f in "$stage"/tests/* "$stage"/examples/*; do
    if readelf -d "$f" | grep -qE 'RPATH|RUNPATH'; then
        echo "gpu_bundle: $f has an rpath; refusing to pack it" >&2
        exit 1
    fi
done

{
    echo "typetensor GPU bundle"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
    echo "rustc: $(rustc --version)"
    echo "tests: ${cuda_tests[*]}"
    echo "examples: ${examples[*]}"
} >"$stage/BUILD-INFO"

cat >"$stage/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs typetensor's GPU checks (see BUILD-INFO). Needs an NVIDIA driver for CUDA 12.0+
# and a GPU of compute capability 8.0+; no Rust toolchain, no network.
# Usage: ./run.sh [--quick]   (--quick skips the full lesson run and the 4096^3 GEMM)
set -uo pipefail
cd "$(dirname "$0")"
quick=0
[[ ${1:-} == --quick ]] && quick=1
mkdir -p results
export TYPETENSOR_REQUIRE_CUDA=1
failed=()
log() { echo "$@" | tee -a results/summary.txt; }
: >results/summary.txt

log "== machine"
if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a results/summary.txt
else
    log "nvidia-smi not found"
fi
cat BUILD-INFO >>results/summary.txt

log "== 1. CUDA test binaries (TYPETENSOR_REQUIRE_CUDA=1)"
for t in tests/*; do
    name=$(basename "$t")
    if "$t" >"results/test-$name.txt" 2>&1; then
        log "PASS $name: $(grep -E '^test result' "results/test-$name.txt" | tail -1)"
    else
        log "FAIL $name (results/test-$name.txt):"
        grep -E '^test .* FAILED|panicked|^test result' "results/test-$name.txt" | head -40 | tee -a results/summary.txt
        failed+=("test $name")
    fi
done

log "== 2. lesson examples"
if examples/04_cuda_tensors >results/04_cuda_tensors.txt 2>&1 && grep -q "device='cuda:0'" results/04_cuda_tensors.txt; then
    log "PASS 04_cuda_tensors"
    cat results/04_cuda_tensors.txt
else
    log "FAIL 04_cuda_tensors (results/04_cuda_tensors.txt)"
    cat results/04_cuda_tensors.txt
    failed+=(04_cuda_tensors)
fi
# Loss curves: lines "<iteration> <loss>"; a new curve starts at iteration 0.
compare() {
    awk '
        FNR == 1 { file++ }
        /^[0-9]+ [-+0-9.eEinfa]+$/ {
            if ($1 == 0) curve[file]++
            key = curve[file] " " $1
            if (file == 1) cpu[key] = $2; else cuda[key] = $2
        }
        END {
            bad = 0; n = 0; worst = 0; wit = ""
            for (k in cpu) {
                if (!(k in cuda)) { print "  missing on cuda: curve/iteration " k; bad = 1; continue }
                split(k, p, " "); it = p[2]
                a = cuda[k] + 0; b = cpu[k] + 0; n++
                rel = (a == b) ? 0 : (a - b) / (b == 0 ? 1 : b); if (rel < 0) rel = -rel
                tol = 1e-5 * (1 + it) ^ 1.5; if (tol > 0.05) tol = 0.05
                if (rel > worst) { worst = rel; wit = k }
                if (rel > tol || a != a) { if (bad < 5) print "  curve/iteration " k ": cuda " cuda[k] " cpu " cpu[k] " (relative " rel ")"; bad++ }
            }
            for (k in cuda) if (!(k in cpu)) { print "  extra on cuda: " k; bad++ }
            printf "  %d losses compared; largest relative difference %.3g (curve/iteration %s)\n", n, worst, wit
            exit (bad > 0 || n == 0)
        }' "$1" "$2"
}
for e in 06_tensor_two_layer 08_autograd_two_layer 09_nn_sequential 10_optim 11_custom_module; do
    examples/$e --device cpu >"results/$e-cpu.txt" 2>&1 || failed+=("$e --device cpu")
    start=$(date +%s%N)
    examples/$e --device cuda >"results/$e-cuda.txt" 2>&1 || failed+=("$e --device cuda")
    ms=$((($(date +%s%N) - start) / 1000000))
    if out=$(compare "results/$e-cpu.txt" "results/$e-cuda.txt"); then
        log "PASS $e: cuda losses match cpu (cuda run ${ms} ms)"
    else
        log "FAIL $e: cuda losses differ from cpu"
        failed+=("$e losses")
    fi
    log "$out"
    log "  last losses: cpu $(grep -E '^499 ' "results/$e-cpu.txt" | tr '\n' ' ')/ cuda $(grep -E '^499 ' "results/$e-cuda.txt" | tr '\n' ' ')"
done
if [[ $quick == 0 ]]; then
    if examples/lesson --device cuda >results/lesson-cuda.txt 2>&1; then
        log "PASS lesson --device cuda"
    else
        log "FAIL lesson --device cuda (results/lesson-cuda.txt)"
        tail -20 results/lesson-cuda.txt
        failed+=("lesson --device cuda")
    fi
fi

log "== 3. SGEMM"
if [[ $quick == 0 ]]; then
    examples/cuda_gemm_bench 2>&1 | tee results/gemm.txt | tee -a results/summary.txt || failed+=(gemm)
else
    examples/cuda_gemm_bench 1024 2>&1 | tee results/gemm.txt | tee -a results/summary.txt || failed+=(gemm)
fi

log "== summary"
if ((${#failed[@]})); then
    log "FAILED: ${failed[*]}"
    exit 1
fi
log "all GPU checks passed"
RUN
chmod +x "$stage/run.sh"

tar -C "$root/target" -czf "$root/target/gpu-bundle.tar.gz" gpu-bundle
echo "gpu_bundle: wrote target/gpu-bundle.tar.gz ($(du -h "$root/target/gpu-bundle.tar.gz" | cut -f1)); on the GPU machine: tar xzf gpu-bundle.tar.gz && gpu-bundle/run.sh" >&2
