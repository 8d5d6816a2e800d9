# Sourced by build_ptx.sh and check_ptx.sh: installs the pinned CUDA compiler wheels
# (requirements.txt) into a virtual environment under target/ once, and exports
#   NVRTC_LIB  the libnvrtc.so to compile with
#   PTXAS      the ptxas that checks the PTX
# The environment is rebuilt whenever requirements.txt changes (a stamp holds its hash).
# Nothing outside target/ is touched except pip's download cache.

cuda_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cuda_venv=$cuda_root/target/cuda-toolchain
cuda_req=$cuda_root/scripts/cuda/requirements.txt

if [[ $(uname -sm) != "Linux x86_64" ]]; then
    echo "scripts/cuda: the pinned CUDA wheels exist for x86_64 Linux only (this is $(uname -sm))" >&2
    exit 1
fi

cuda_want=$(sha256sum "$cuda_req" | cut -d' ' -f1)
if [[ ! -f $cuda_venv/.requirements.sha256 || $(cat "$cuda_venv/.requirements.sha256") != "$cuda_want" ]]; then
    echo "scripts/cuda: installing the pinned CUDA compiler into target/cuda-toolchain" >&2
    rm -rf "$cuda_venv"
    python3 -m venv "$cuda_venv"
    "$cuda_venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
        --require-hashes -r "$cuda_req"
    echo "$cuda_want" >"$cuda_venv/.requirements.sha256"
fi

cuda_site=$("$cuda_venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
NVRTC_LIB=$cuda_site/nvidia/cuda_nvrtc/lib/libnvrtc.so.12
PTXAS=$cuda_site/nvidia/cuda_nvcc/bin/ptxas
# libnvrtc loads libnvrtc-builtins from the same folder through the library path.
export LD_LIBRARY_PATH=$cuda_site/nvidia/cuda_nvrtc/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export NVRTC_LIB PTXAS
