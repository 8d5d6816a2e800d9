#!/usr/bin/env python3
"""Regenerate tests/goldens/conv.txt: PyTorch's outputs and gradients of conv2d, conv1d,
max_pool2d (with indices), avg_pool2d and adaptive_avg_pool2d, in float32 and float64, over
strides, paddings, dilations and groups, which tests/conv_parity.rs compares with
typetensor's.

How to run (from the repository root; needs torch 2.x, any recent version):

    python3 scripts/conv_goldens.py            # writes tests/goldens/conv.txt
    python3 scripts/conv_goldens.py --check    # exits 1 if the committed file is stale

Each case draws its inputs once in float64 from a seeded generator and rounds them to four
decimals (so the float32 inputs are the same values rounded once more); the output
gradient `gy` is drawn the same way. For each dtype the case computes
`out = op(inputs)`, then `(out * gy).sum().backward()`, and records the output and every
input's gradient. Values are IEEE bit patterns (8 hex digits for f32, 16 for f64), so
nothing depends on printing or parsing floats.

File format (line based):
    case NAME OP key=value ...    OP is conv2d, conv1d, max_pool2d, avg_pool2d or
                                  adaptive_avg_pool2d; keys: stride, padding, dilation,
                                  groups, kernel, output (adaptive), bias (0/1)
    dtype f32|f64                 the lines below are in this precision
    in NAME D0,D1,... V V V ...   an input (x, w, b) or the output gradient (gy)
    out D0,D1,... V V V ...       the op's output
    idx V V V ...                 max pooling's indices (decimal)
    grad NAME V V V ...           the gradient of sum(out * gy) with respect to input NAME
"""

import argparse
import pathlib
import struct
import sys

import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "goldens" / "conv.txt"

# (name, op, shapes of the inputs, options)
CASES = [
    ("conv2d_lenet", "conv2d", {"x": (2, 1, 12, 12), "w": (6, 1, 5, 5), "b": (6,)}, {}),
    ("conv2d_stride2_pad1", "conv2d", {"x": (2, 3, 9, 8), "w": (4, 3, 3, 3), "b": (4,)},
     {"stride": 2, "padding": 1}),
    ("conv2d_dilation2_pad2", "conv2d", {"x": (1, 2, 10, 9), "w": (3, 2, 3, 3), "b": (3,)},
     {"padding": 2, "dilation": 2}),
    ("conv2d_groups2", "conv2d", {"x": (2, 4, 7, 7), "w": (6, 2, 3, 3), "b": (6,)},
     {"padding": 1, "groups": 2}),
    ("conv2d_depthwise_stride2", "conv2d", {"x": (1, 3, 8, 8), "w": (3, 1, 3, 3), "b": (3,)},
     {"stride": 2, "padding": 1, "groups": 3}),
    ("conv2d_rect_stride3", "conv2d", {"x": (2, 2, 9, 10), "w": (2, 2, 2, 4), "b": (2,)},
     {"stride": 3}),
    ("conv2d_unbatched_nobias", "conv2d", {"x": (3, 6, 6), "w": (2, 3, 3, 3)}, {"padding": 1}),
    ("conv2d_resnet_like", "conv2d", {"x": (2, 8, 14, 14), "w": (8, 8, 3, 3), "b": (8,)},
     {"padding": 1}),
    ("conv1d_stride2_pad1_dil2", "conv1d", {"x": (2, 3, 11), "w": (4, 3, 3), "b": (4,)},
     {"stride": 2, "padding": 1, "dilation": 2}),
    ("conv1d_groups2", "conv1d", {"x": (2, 4, 9), "w": (6, 2, 2), "b": (6,)}, {"groups": 2}),
    ("max_pool2d_k2", "max_pool2d", {"x": (2, 3, 9, 8)}, {"kernel": 2}),
    ("max_pool2d_k3_s2_p1", "max_pool2d", {"x": (2, 2, 9, 9)}, {"kernel": 3, "stride": 2, "padding": 1}),
    ("max_pool2d_k2_s1_p1_d2", "max_pool2d", {"x": (1, 2, 7, 8)},
     {"kernel": 2, "stride": 1, "padding": 1, "dilation": 2}),
    ("max_pool2d_unbatched", "max_pool2d", {"x": (3, 6, 7)}, {"kernel": 2}),
    ("avg_pool2d_k2", "avg_pool2d", {"x": (2, 3, 9, 8)}, {"kernel": 2}),
    ("avg_pool2d_k3_s2_p1", "avg_pool2d", {"x": (2, 2, 9, 9)}, {"kernel": 3, "stride": 2, "padding": 1}),
    ("adaptive_avg_pool2d_7x5_3x2", "adaptive_avg_pool2d", {"x": (2, 3, 7, 5)}, {"output": (3, 2)}),
    ("adaptive_avg_pool2d_3x4_5x6", "adaptive_avg_pool2d", {"x": (1, 2, 3, 4)}, {"output": (5, 6)}),
    ("adaptive_avg_pool2d_global", "adaptive_avg_pool2d", {"x": (2, 4, 7, 7)}, {"output": (1, 1)}),
]


def bits(t):
    flat = t.detach().reshape(-1).tolist()
    if t.dtype == torch.float32:
        return " ".join(struct.pack(">f", v).hex() for v in flat)
    return " ".join(struct.pack(">d", v).hex() for v in flat)


def dims(shape):
    return ",".join(str(d) for d in shape)


def run(op, inputs, opts):
    x = inputs["x"]
    if op == "conv2d" or op == "conv1d":
        f = F.conv2d if op == "conv2d" else F.conv1d
        return f(x, inputs["w"], inputs.get("b"), stride=opts.get("stride", 1),
                 padding=opts.get("padding", 0), dilation=opts.get("dilation", 1),
                 groups=opts.get("groups", 1)), None
    if op == "max_pool2d":
        return F.max_pool2d(x, opts["kernel"], stride=opts.get("stride"), padding=opts.get("padding", 0),
                            dilation=opts.get("dilation", 1), return_indices=True)
    if op == "avg_pool2d":
        return F.avg_pool2d(x, opts["kernel"], stride=opts.get("stride"), padding=opts.get("padding", 0)), None
    if op == "adaptive_avg_pool2d":
        return F.adaptive_avg_pool2d(x, opts["output"]), None
    raise ValueError(op)


def generate():
    lines = [
        "# conv/pool outputs and gradients for tests/conv_parity.rs (see scripts/conv_goldens.py).",
        f"# Generated with torch {torch.__version__}. Do not edit by hand.",
    ]
    for i, (name, op, shapes, opts) in enumerate(CASES):
        gen = torch.Generator().manual_seed(1000 + i)
        base = {k: (torch.randn(s, generator=gen, dtype=torch.float64) * 10000).round() / 10000
                for k, s in shapes.items()}
        keys = " ".join(
            f"{k}={','.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in opts.items()
        )
        lines.append(f"case {name} {op} {keys} bias={int('b' in shapes)}".replace("  ", " "))
        gy_base = None
        for dtype, tag in ((torch.float32, "f32"), (torch.float64, "f64")):
            lines.append(f"dtype {tag}")
            inputs = {k: v.to(dtype).requires_grad_() for k, v in base.items()}
            out, idx = run(op, inputs, opts)
            if gy_base is None:
                gy_base = (torch.randn(out.shape, generator=gen, dtype=torch.float64) * 10000).round() / 10000
            gy = gy_base.to(dtype)
            (out * gy).sum().backward()
            for k, v in inputs.items():
                lines.append(f"in {k} {dims(v.shape)} {bits(v)}")
            lines.append(f"in gy {dims(gy.shape)} {bits(gy)}")
            lines.append(f"out {dims(out.shape)} {bits(out)}")
            if idx is not None:
                lines.append("idx " + " ".join(str(j) for j in idx.reshape(-1).tolist()))
            for k, v in inputs.items():
                lines.append(f"grad {k} {bits(v.grad)}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    torch.use_deterministic_algorithms(True)
    text = generate()
    if args.check:
        if OUT.read_text() != text:
            print(f"{OUT} is stale; rerun scripts/conv_goldens.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
