#!/usr/bin/env python3
"""Compiles one CUDA C++ file to PTX with NVRTC (the CUDA runtime compiler library).

NVRTC needs no host compiler and no system headers, so the PTX depends only on the source,
the options below and the pinned NVRTC build: the same bytes on every machine. Used by
build_ptx.sh; run it through that script, which pins and installs the library.

    nvrtc_ptx.py LIBNVRTC INCLUDE_DIR INPUT.cu OUTPUT.ptx
"""
import ctypes
import os
import sys

# The options every kernel is built with, and why:
OPTIONS = [
    # PTX for compute capability 8.0 (Ampere): the driver JIT-compiles it for any GPU of
    # capability >= 8.0 (A100, RTX 30xx/40xx, H100/H200, Blackwell).
    "--gpu-architecture=compute_80",
    "--std=c++17",
    # No implicit a*b+c contraction: the optimizer kernels evaluate PyTorch's formulas in
    # PyTorch's rounding, with a fused multiply-add only where the CPU code calls `mul_add`
    # (written as fmaf/fma in the source). Everything else rounds after each operation.
    "--fmad=false",
    # IEEE division and square root, denormals kept: the same results as the CPU.
    "--prec-div=true",
    "--prec-sqrt=true",
    "--ftz=false",
]


def check(lib, prog, rc, what):
    if rc == 0:
        return
    lib.nvrtcGetErrorString.restype = ctypes.c_char_p
    msg = lib.nvrtcGetErrorString(rc).decode()
    log = ""
    if prog is not None:
        size = ctypes.c_size_t()
        lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetProgramLog(prog, buf)
        log = buf.value.decode(errors="replace")
    sys.exit(f"nvrtc: {what} failed: {msg}\n{log}")


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    libpath, include_dir, src_path, out_path = sys.argv[1:]
    lib = ctypes.CDLL(libpath)
    with open(src_path, "rb") as f:
        src = f.read()
    prog = ctypes.c_void_p()
    # The program name is the bare file name: NVRTC folds it into internal symbol names,
    # and a full path would make the PTX depend on where the checkout lives.
    name = os.path.basename(src_path).encode()
    check(lib, None, lib.nvrtcCreateProgram(ctypes.byref(prog), src, name, 0, None, None),
          "nvrtcCreateProgram")
    opts = [o.encode() for o in OPTIONS] + [b"--include-path=" + include_dir.encode()]
    arr = (ctypes.c_char_p * len(opts))(*opts)
    check(lib, prog, lib.nvrtcCompileProgram(prog, len(opts), arr), f"compiling {src_path}")
    # Warnings are errors: print the log if there is one and fail.
    size = ctypes.c_size_t()
    lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    if size.value > 1:
        buf = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetProgramLog(prog, buf)
        sys.exit(f"nvrtc: {src_path} compiled with warnings:\n{buf.value.decode()}")
    check(lib, prog, lib.nvrtcGetPTXSize(prog, ctypes.byref(size)), "nvrtcGetPTXSize")
    buf = ctypes.create_string_buffer(size.value)
    check(lib, prog, lib.nvrtcGetPTX(prog, buf), "nvrtcGetPTX")
    lib.nvrtcDestroyProgram(ctypes.byref(prog))
    with open(out_path, "wb") as f:
        f.write(buf.value)


if __name__ == "__main__":
    main()
