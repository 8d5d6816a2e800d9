#!/usr/bin/env python3
"""Regenerate tests/goldens/print.txt: PyTorch's own `str(tensor)` for the printer's goldens.

How to run (from the repository root; needs torch 2.x and numpy, any recent version):

    pip install torch numpy
    python3 scripts/print_goldens.py            # writes tests/goldens/print.txt
    python3 scripts/print_goldens.py --check    # exits 1 if the committed file is stale

The Rust side (src/print/tests.rs) rebuilds every tensor from the file and asserts that
`print::format_tensor` returns the recorded text character for character.

Determinism: no value depends on torch's RNG. Values are literals, numpy draws from a
fixed-seed `default_rng` (and are stored bit-exactly in the file, so the numpy version does
not matter either), or, for the one 100 000-element weight, a splitmix64 stream that both
sides implement (`splitmix64_values` here, `splitmix64_values` in the Rust tests), so the
file stays small.

Where the text comes from:
* CPU cases without a device suffix: `str(t)` itself, the real thing.
* Cases with a `device='cuda:0'` suffix: this machine has no GPU, so the text is
  `_tensor_str._add_suffixes("tensor(" + _tensor_str._tensor_str(t, 7), suffixes, 7, False)`
  with the suffix list assembled in `_str_intern`'s order (`rules_text`). Every other case is
  also run through `rules_text` and asserted equal to `str(t)`, and the device branch itself is
  checked by monkeypatching `torch._C._get_default_device` so a CPU tensor takes
  `_str_intern`'s device path for real (printing `device='cpu'`), again compared with
  `rules_text`. So the assembly is verified against PyTorch wherever PyTorch can run here.

File format (line based, no escaping needed):
    case NAME
    dtype float32|float64|int32|int64|bool
    dims D0 D1 ...              (just `dims` for a 0-d tensor)
    device cuda:0               (optional)
    requires_grad true          (optional)
    grad_fn MmBackward0         (optional)
    values hex|int|bool COUNT   then COUNT tokens over the following lines, 8 per line;
                                hex is the IEEE bit pattern (8 digits f32, 16 digits f64)
    values splitmix64 COUNT SEED   (no token lines; see splitmix64_values)
    expected LINES              then exactly LINES lines of PyTorch's text
    end
"""

import argparse
import math
import pathlib
import sys

import numpy as np
import torch
import torch._tensor_str as tensor_str

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "goldens" / "print.txt"
PREFIX = "tensor("
MASK64 = (1 << 64) - 1

DTYPES = {
    torch.float32: "float32",
    torch.float64: "float64",
    torch.int32: "int32",
    torch.int64: "int64",
    torch.bool: "bool",
}


def splitmix64_values(count, seed):
    """Uniform values in [-1/8, 1/8), exact in f32 (24-bit numerators over 2**26)."""
    state = seed & MASK64
    out = []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z ^= z >> 31
        out.append(((z >> 40) - (1 << 23)) / float(1 << 26))
    return out


class Case:
    def __init__(self, name, tensor, device=None, generator=None):
        self.name = name
        self.tensor = tensor
        self.device = device
        self.generator = generator  # (count, seed) when the values came from splitmix64


CASES = []


def case(name, values, dtype=None, shape=None, requires_grad=False, device=None):
    t = torch.tensor(values, dtype=dtype)
    if shape is not None:
        t = t.reshape(shape)
    if requires_grad:
        t.requires_grad_(True)
    CASES.append(Case(name, t, device))


def case_tensor(name, t, device=None, generator=None):
    CASES.append(Case(name, t, device, generator))


def build_cases():
    rng = np.random.default_rng(20240611)

    # The lesson's outputs, rebuilt from the digits it shows.
    case(
        "lesson_rand_5x3",
        [0.2449, 0.8412, 0.6487, 0.1095, 0.5736, 0.9340, 0.3612, 0.0417, 0.7718,
         0.4823, 0.9907, 0.2260, 0.6675, 0.1389, 0.8054],
        shape=(5, 3),
    )
    case("lesson_vector_5_5_and_3", [5.5, 3.0])
    case_tensor("lesson_ones_5x3_float64", torch.ones(5, 3, dtype=torch.float64))
    case(
        "lesson_randn_5x3_mixed_to_sci",
        [0.75098, -2.1833, 0.43261, -1.1294e-05, 1.3806, -0.26631,
         0.90017, 0.060712, -0.51235, 1.9411, -0.0043, 0.33315,
         -1.0766, 0.81233, -0.12004],
        shape=(5, 3),
    )
    case_tensor("lesson_zeros_long_5x3", torch.zeros(5, 3, dtype=torch.int64))
    case("matrix_2x8_fits_80_columns",
         rng.standard_normal(16).astype(np.float32).tolist(), shape=(2, 8))
    case("matrix_2x12_wraps",
         rng.standard_normal(24).astype(np.float32).tolist(), shape=(2, 12))
    case("vector_30_wraps", rng.standard_normal(30).astype(np.float32).tolist())

    weight = splitmix64_values(1000 * 100, 7)
    w = torch.tensor(weight, dtype=torch.float32).reshape(1000, 100).requires_grad_(True)
    case_tensor("weight_1000x100_summarised_requires_grad", w, generator=(1000 * 100, 7))

    case_tensor("arange_3d_2x3x4_float", torch.arange(24, dtype=torch.float32).reshape(2, 3, 4))
    case("randn_4d_2x2x2x3", rng.standard_normal(24).astype(np.float32).tolist(),
         shape=(2, 2, 2, 3))
    case_tensor("arange_5d_1x2x1x2x2_int64", torch.arange(8).reshape(1, 2, 1, 2, 2))
    case("shape_1x1x1", [3.25], shape=(1, 1, 1))
    case("rows_wrap_inside_3d", rng.standard_normal(2 * 2 * 11).astype(np.float32).tolist(),
         shape=(2, 2, 11))

    # Negative zero keeps its sign but does not count towards the width.
    case("negative_zero_integral", [-0.0, 0.0, 1.0])
    case("negative_zero_fixed", [-0.0, 1.5, -2.25])
    case("negative_zero_sci", [-0.0, 1e-5, 3.0])
    case("negative_zero_scalar", -0.0)

    nan, inf = float("nan"), float("inf")
    case("nan_inf_only", [nan, inf, -inf])
    case("nan_inf_with_integral", [1.0, nan, inf, -2.0])
    case("nan_inf_with_fixed", [1.5, nan, -inf, 0.25])
    case("nan_inf_with_sci", [1e-6, nan, -inf, 2.0])
    case("all_nan_2x2", [nan] * 4, shape=(2, 2))
    neg_nan = np.array([0xFFC00000, 0x7FC00001, 0x3F800000], dtype=np.uint32).view(np.float32)
    case_tensor("negative_and_payload_nan", torch.from_numpy(neg_nan.copy()))
    case("nan_scalar_float64", nan, dtype=torch.float64)

    case("huge_sci", [1e10, 2.5e10, -3e12])
    case("max_over_1e8_integral_sci", [123456789.0, 1.0])
    case("max_exactly_1e8_no_sci", [1e8, 1e6], dtype=torch.float64)
    case("ratio_exactly_1000_no_sci", [1.0, 1000.0, -2.5, 500.0])
    case("ratio_over_1000_sci", [1.0, 1000.5])
    case("integral_ratio_sci", [1.0, 1e5, -7.0])
    case("tiny_f32_subnormal", [1e-39, 1e-5, -3e-42])
    case("tiny_f64_subnormal", [5e-324, 1e-310, 1e-300], dtype=torch.float64)
    # 1e-4 rounds below 1e-4 in f32 (so scientific) but is exactly 1e-4 as an f64 (so not).
    case("min_1e-4_float32_is_sci", [1e-4, 0.5])
    case("min_1e-4_float64_not_sci", [1e-4, 0.5], dtype=torch.float64)
    # Each threshold alone: the other two rules hold with room to spare, so making any one
    # comparison inclusive (`<=` for `< 1e-4`, `>=` for `> 1000`, `> 1e8`) fails a case.
    case("min_exactly_1e-4_alone_no_sci", [1e-4, 0.05], dtype=torch.float64)
    case("min_below_1e-4_alone_sci", [9.5e-5, 0.05], dtype=torch.float64)
    case("ratio_exactly_1000_alone_no_sci", [0.5, 500.0, 2.25], dtype=torch.float64)
    case("max_over_1e8_alone_fixed_sci", [100000000.5, 2.5e7], dtype=torch.float64)
    case("scalar_sci", 1e-5)
    case("scalar_huge_sci", 3e9)

    # Rounding: exact binary ties go to even, and f32 values print their widened f64 digits.
    case("rounding_ties_f32", [0.03125, 1.03125, 0.15625, -2.96875, 0.5])
    case("rounding_f32_vs_f64_f32", [2.00005, 0.1, 0.7])
    case("rounding_f32_vs_f64_f64", [2.00005, 0.1, 0.7], dtype=torch.float64)
    case("sci_ties", [1.03125e-5, 2.5, 1.0e5], dtype=torch.float64)
    case("float64_precision", rng.standard_normal(6).tolist(), dtype=torch.float64)
    case("integral_widths", [1.0, -10.0, 100.0, 2.0])

    case("int32_dtype", [1, -20, 300], dtype=torch.int32)
    case("int64_extremes", [-(2**63), 2**63 - 1, 0])
    case("int64_vector_100_wraps", list(range(-50, 50)))
    case_tensor("int64_arange_2000_summarised", torch.arange(2000))
    case_tensor("int32_2000_summarised_2d", torch.arange(2000, dtype=torch.int32).reshape(40, 50))
    case("bool_mixed", [True, False, True, False])
    case("bool_all_true_2x3", [True] * 6, dtype=torch.bool, shape=(2, 3))
    case_tensor("bool_1200_summarised", torch.arange(1200) % 3 == 0)

    case("scalar_float32", 2.5)
    case("scalar_integral", 7.0)
    case("scalar_float64", 2.5, dtype=torch.float64)
    case("scalar_int64", 7)
    case("scalar_int32", -7, dtype=torch.int32)
    case("scalar_bool", True)
    case("scalar_zero", 0.0)

    case_tensor("empty_float32", torch.zeros(0))
    case_tensor("empty_0x3", torch.zeros(0, 3))
    case_tensor("empty_int64", torch.zeros(0, dtype=torch.int64))
    case_tensor("empty_bool_3x0", torch.zeros(3, 0, dtype=torch.bool))
    case_tensor("empty_float64_2x0x3", torch.zeros(2, 0, 3, dtype=torch.float64))
    case_tensor("empty_requires_grad", torch.zeros(0, 4, requires_grad=True))

    case("requires_grad_vector", [1.0, 2.0, 3.0], requires_grad=True)
    case("requires_grad_matrix_float64",
         rng.standard_normal(6).tolist(), dtype=torch.float64, shape=(2, 3), requires_grad=True)
    a = torch.tensor(rng.standard_normal(6).astype(np.float32).tolist()).reshape(2, 3)
    b = torch.tensor(rng.standard_normal(12).astype(np.float32).tolist(), requires_grad=True)
    case_tensor("grad_fn_mm", torch.mm(a, b.reshape(3, 4)))
    case_tensor("grad_fn_add_scalar", torch.tensor(1.5, requires_grad=True) + 1)
    case_tensor("grad_fn_mul_float64",
                torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True) * 3)

    # Suffix placement: the suffix joins the last line when it fits in 80 columns.
    case("suffix_fits_exactly_80", [10] * 13, dtype=torch.int32)
    case("suffix_wraps_at_81", [10] * 14, dtype=torch.int32)
    case("suffix_after_wrapped_rows_float64",
         rng.standard_normal(12).tolist(), dtype=torch.float64)
    case("two_suffixes_second_wraps", [1.5] * 6, dtype=torch.float64, requires_grad=True)
    case("long_row_then_dtype",
         (rng.standard_normal(9) * 1e-3).tolist(), dtype=torch.float64)

    case("device_cuda_vector", [1.0, 2.5], device="cuda:0")
    case("device_cuda_scalar_int64", 3, device="cuda:0")
    case("device_cuda_empty_0x3", [], shape=(0, 3), device="cuda:0")
    dev = torch.tensor(rng.standard_normal(12).tolist(), dtype=torch.float64,
                       requires_grad=True).reshape(3, 4) * 2
    case_tensor("device_cuda_dtype_grad_fn_matrix", dev, device="cuda:1")
    case("device_cuda_long_row_float64", (rng.standard_normal(8) * 100).tolist(),
         dtype=torch.float64, device="cuda:0")

    # Only the shown edges feed the formatter: a hidden 1e10 must not force scientific
    # notation, and hidden wide integers must not widen the columns.
    hidden = [0.5] * 1001
    hidden[500] = 1e10
    case("summarised_hidden_huge_value", hidden)
    ints = [1] * 1500
    ints[700] = -123456789
    case("summarised_hidden_wide_int", ints)
    case("summarised_3d_10x10x20", rng.standard_normal(2000).astype(np.float32).tolist(),
         shape=(10, 10, 20))
    case("summarised_middle_dim_2x600x3",
         rng.standard_normal(3600).astype(np.float32).tolist(), shape=(2, 600, 3))
    case("summarised_4d_7x2x8x10", rng.standard_normal(1120).astype(np.float32).tolist(),
         shape=(7, 2, 8, 10))


def rules_text(t, device):
    """`_str_intern` for a plain dense tensor, with the device suffix supplied by hand."""
    indent = len(PREFIX)
    suffixes = []
    if device is not None:
        suffixes.append("device='" + device + "'")
    if t.numel() == 0:
        if t.dim() != 1:
            suffixes.append("size=" + str(tuple(t.shape)))
        if t.dtype != torch.get_default_dtype():
            suffixes.append("dtype=" + str(t.dtype))
        body = "[]"
    else:
        if t.dtype not in (torch.get_default_dtype(), torch.int64, torch.bool):
            suffixes.append("dtype=" + str(t.dtype))
        with torch.no_grad():
            body = tensor_str._tensor_str(t.detach(), indent)
    if t.grad_fn is not None:
        suffixes.append("grad_fn=<" + type(t.grad_fn).__name__ + ">")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return tensor_str._add_suffixes(PREFIX + body, suffixes, indent, False)


def check_device_path(t):
    """Run `_str_intern`'s real device branch on a CPU tensor and compare with rules_text."""
    real = torch._C._get_default_device
    torch._C._get_default_device = lambda: "not-cpu"
    try:
        via_torch = str(t)
    finally:
        torch._C._get_default_device = real
    assert via_torch == rules_text(t, "cpu"), (via_torch, rules_text(t, "cpu"))


def value_tokens(t):
    flat = t.detach().reshape(-1).numpy()
    if t.dtype == torch.float32:
        return "hex", ["%08x" % v for v in flat.view(np.uint32)]
    if t.dtype == torch.float64:
        return "hex", ["%016x" % v for v in flat.view(np.uint64)]
    if t.dtype == torch.bool:
        return "bool", ["1" if v else "0" for v in flat]
    return "int", [str(int(v)) for v in flat]


def record(c):
    t = c.tensor
    if c.device is None:
        text = str(t)
        assert text == rules_text(t, None), (c.name, text, rules_text(t, None))
    else:
        text = rules_text(t, c.device)
    check_device_path(t)

    lines = ["case " + c.name, "dtype " + DTYPES[t.dtype]]
    lines.append(" ".join(["dims"] + [str(d) for d in t.shape]))
    if c.device is not None:
        lines.append("device " + c.device)
    if t.grad_fn is not None:
        lines.append("grad_fn " + type(t.grad_fn).__name__)
    elif t.requires_grad:
        lines.append("requires_grad true")
    if c.generator is not None:
        count, seed = c.generator
        regenerated = torch.tensor(splitmix64_values(count, seed), dtype=t.dtype)
        assert torch.equal(regenerated, t.detach().reshape(-1)), c.name
        lines.append("values splitmix64 %d %d" % (count, seed))
    else:
        kind, tokens = value_tokens(t)
        lines.append("values %s %d" % (kind, len(tokens)))
        lines.extend(" ".join(tokens[i : i + 8]) for i in range(0, len(tokens), 8))
    text_lines = text.split("\n")
    lines.append("expected %d" % len(text_lines))
    lines.extend(text_lines)
    lines.append("end")
    return lines


def render_file():
    build_cases()
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    out = [
        "# PyTorch str(tensor) goldens for src/print (see scripts/print_goldens.py).",
        "# Generated with torch %s, numpy %s. Do not edit by hand."
        % (torch.__version__, np.__version__),
    ]
    for c in CASES:
        out.extend(record(c))
    return "\n".join(out) + "\n", len(CASES)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    torch.set_printoptions(profile="default")
    text, count = render_file()
    if args.check:
        # The header names library versions, so only the records are compared.
        def body(s):
            return [line for line in s.splitlines() if not line.startswith("#")]

        if body(OUT.read_text()) != body(text):
            print("%s is stale; rerun scripts/print_goldens.py" % OUT, file=sys.stderr)
            return 1
        print("%s is up to date (%d cases)" % (OUT, count))
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print("wrote %d cases to %s" % (count, OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
