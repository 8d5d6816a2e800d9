#!/usr/bin/env python3
"""Generates the NumPy-made .npy files that tests/npy.rs reads.

How to run (from the repository root):

    python3 -m venv /tmp/npyenv && /tmp/npyenv/bin/pip install numpy
    /tmp/npyenv/bin/python scripts/npy_testdata.py

It (re)writes tests/data/npy/*.npy. The committed files were made with
numpy 2.4.6. np.save's output for a given array is deterministic, so
re-running it must leave `git status` clean; if a future numpy changes the
header layout, the byte-identical write tests in tests/npy.rs will say so.

The values here are mirrored by hand in tests/npy.rs: change both together.
The tests need no Python; this script only exists so the data can be
regenerated and audited.
"""

import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "npy")


def save(name, array):
    """np.save, the way users make .npy files (version 1.0 unless too big)."""
    np.save(os.path.join(OUT, name), array, allow_pickle=False)


def save_version(name, array, version):
    """Explicit header version, which np.save never picks for small arrays."""
    with open(os.path.join(OUT, name), "wb") as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=False)


def f4_2x3():
    return np.array([[0.0, -1.5, 3.25], [-0.0, np.inf, np.nan]], dtype=np.float32)


def f8_1d():
    return np.array(
        [1.0, -2.5, 5e-324, 1.7976931348623157e308, -0.0, -np.inf, np.nan, np.pi],
        dtype=np.float64,
    )


def i4_2x3x4():
    a = (np.arange(24, dtype=np.int32) * 1000 - 11500).reshape(2, 3, 4)
    a[0, 0, 0] = np.iinfo(np.int32).min
    a[1, 2, 3] = np.iinfo(np.int32).max
    return a


def i8_1d():
    info = np.iinfo(np.int64)
    return np.array([info.min, -1, 0, 1, info.max], dtype=np.int64)


def b1_2x2():
    return np.array([[True, False], [False, True]])


def f8_2x3x4():
    return np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 0.5 - 3.0


def header_len(array):
    """Total bytes np.save writes before the data for `array`."""
    import io

    buf = io.BytesIO()
    np.save(buf, array)
    return len(buf.getvalue()) - array.nbytes


def aligned_header_shape():
    """An empty shape whose dict text, plus newline, ends exactly on a
    64-byte boundary, so NumPy pads with a full 64 spaces instead of 0."""
    for ones in range(0, 20):
        for digits in range(1, 16):
            shape = (0,) + (1,) * ones + (10 ** (digits - 1),)
            d = np.lib.format.header_data_from_array_1_0(np.empty((0,), np.float32))
            d["shape"] = shape
            text = "{" + "".join(f"'{k}': {v!r}, " for k, v in sorted(d.items())) + "}"
            text += " " * (21 - len(repr(shape[0])))
            if (10 + len(text) + 1) % 64 == 0:
                return shape
    raise SystemExit("no aligned shape found")


def main():
    os.makedirs(OUT, exist_ok=True)

    # One file per dtype, C order, little-endian, version 1.0.
    save("f4_2x3.npy", f4_2x3())
    save("f8_1d.npy", f8_1d())
    save("i4_2x3x4.npy", i4_2x3x4())
    save("i8_1d.npy", i8_1d())
    save("b1_2x2.npy", b1_2x2())

    # Shape edge cases.
    save("f8_0d.npy", np.array(2.5))
    save("b1_0d.npy", np.array(True))
    save("f4_0x3.npy", np.zeros((0, 3), dtype=np.float32))
    # A long first axis exercises NumPy's growth padding; zero-sized so the
    # file stays tiny.
    save("i4_12345678901x0.npy", np.zeros((12345678901, 0), dtype=np.int32))
    save("f8_ones32.npy", np.full((1,) * 32, 7.0))
    shape = aligned_header_shape()
    save("f4_aligned_header.npy", np.zeros(shape, dtype=np.float32))

    # Fortran order: np.save keeps a Fortran-contiguous array's layout.
    save("f8_fortran_2x3x4.npy", np.asfortranarray(f8_2x3x4()))
    save("i4_fortran_2x3x4.npy", np.asfortranarray(i4_2x3x4()))

    # Big-endian.
    save("f4_be_2x3.npy", f4_2x3().astype(">f4"))
    save("f8_be_1d.npy", f8_1d().astype(">f8"))
    save("i4_be_2x3x4.npy", i4_2x3x4().astype(">i4"))
    save("i8_be_1d.npy", i8_1d().astype(">i8"))
    save("f8_be_fortran_2x3x4.npy", np.asfortranarray(f8_2x3x4().astype(">f8")))

    # Newer header versions.
    save_version("i8_v2_1d.npy", i8_1d(), (2, 0))
    save_version("f4_v3_2x3.npy", f4_2x3(), (3, 0))

    # Sanity: the Fortran files really are Fortran, the big-endian ones
    # really big-endian, and numpy reads everything back unchanged.
    for name in sorted(os.listdir(OUT)):
        a = np.load(os.path.join(OUT, name))
        with open(os.path.join(OUT, name), "rb") as f:
            head = f.read(256)
        assert (b"'fortran_order': True" in head) == ("fortran" in name), name
        assert (b"'descr': '>" in head) == ("_be_" in name), name
        print(f"{name:28} {str(a.dtype):8} {a.shape}")
    print("aligned-header shape:", shape, "header bytes:", header_len(np.zeros(shape, np.float32)))


if __name__ == "__main__":
    main()
