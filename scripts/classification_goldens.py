#!/usr/bin/env python3
"""Regenerate tests/goldens/classification.txt: PyTorch's forward values and gradients of
the classification ops (softmax family, losses, activations, elementwise functions,
gather/scatter_add, linspace), in float32 and float64, for tests/classification_parity.rs.

How to run (from the repository root; torch from PyPI, CPU is enough):

    python3 -m venv /tmp/torch-venv
    /tmp/torch-venv/bin/pip install torch        # or: --index-url https://download.pytorch.org/whl/cpu
    /tmp/torch-venv/bin/python scripts/classification_goldens.py

Every case fixes its inputs (drawn here from torch.manual_seed(0), written into the file,
so the Rust test needs no generator of PyTorch's), computes the op, and, for ops with a
gradient, backpropagates `out.sum()` for a one-element result or `(out * w).sum()` with a
fixed weight `w` otherwise, recording the gradient of every differentiable input.

File format (line based, values are Python's repr of each element as a double, which is
exact for both float32 and float64 values):
    case NAME DTYPE              a case (DTYPE: f32 or f64)
    in NAME D0,D1,.. V0 V1 ...   an input (integers for i64 inputs); D is `-` for a scalar
    out D0,D1,.. V0 V1 ...       the result
    grad NAME V0 V1 ...          d result / d input NAME (after the weighting above)
"""
import pathlib

import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "goldens" / "classification.txt"
torch.set_num_threads(1)


def fmt_shape(t):
    return ",".join(str(d) for d in t.shape) if t.dim() > 0 else "-"


def fmt_vals(t):
    if t.dtype in (torch.int64,):
        return " ".join(str(int(v)) for v in t.flatten().tolist())
    return " ".join(repr(float(v)) for v in t.detach().double().flatten().tolist())


def weight(shape, dtype):
    """A fixed weight in ±[0.5, 1.5): every output element matters with its own factor."""
    n = 1
    for d in shape:
        n *= d
    i = torch.arange(n, dtype=torch.float64)
    w = 0.5 + torch.frac(i * 0.6180339887498949)
    w = torch.where(i % 2 == 0, w, -w)
    return w.reshape(shape).to(dtype)


lines = [f"# torch {torch.__version__}; made by scripts/classification_goldens.py. Do not edit by hand."]


def case(name, inputs, fn, grads=()):
    for dtype, tag in ((torch.float32, "f32"), (torch.float64, "f64")):
        lines.append(f"case {name} {tag}")
        tensors = {}
        for k, v in inputs.items():
            t = v.clone()
            if t.is_floating_point():
                t = t.to(dtype)
            lines.append(f"in {k} {fmt_shape(t)} {fmt_vals(t)}")
            if k in grads:
                t.requires_grad_()
            tensors[k] = t
        out = fn(**tensors)
        lines.append(f"out {fmt_shape(out)} {fmt_vals(out)}")
        if grads:
            s = out.sum() if out.numel() == 1 else (out * weight(out.shape, dtype)).sum()
            s.backward()
            for k in grads:
                lines.append(f"grad {k} {fmt_vals(tensors[k].grad)}")


torch.manual_seed(0)
x = torch.randn(4, 5, dtype=torch.float64) * 3
big = torch.tensor([[1e4, 1e4 - 1, -1e4, 0, 3], [0, 0, 0, 0, 0], [-5, 2, 7, 1e4, -1e4], [1, 2, 3, 4, 5]], dtype=torch.float64)
t = torch.tensor([3, -100, 0, 4])
t_all = torch.tensor([3, 1, 0, 4])
p = torch.softmax(torch.randn(4, 5, dtype=torch.float64), 1)
y = torch.rand(4, 5, dtype=torch.float64)
pw = torch.rand(5, dtype=torch.float64) * 3 + 0.1
u = torch.randn(4, 5, dtype=torch.float64) * 2
x3 = torch.randn(2, 5, 3, dtype=torch.float64)
t3 = torch.tensor([[0, 4, -100], [2, 2, 1]])
idx = torch.tensor([[0, 4, 4], [1, 0, 2], [3, 3, 3], [2, 1, 0]])
src = torch.randn(4, 3, dtype=torch.float64)

# softmax family
case("softmax1", {"x": x}, lambda x: torch.softmax(x, 1), ["x"])
case("softmax0", {"x": x}, lambda x: torch.softmax(x, 0), ["x"])
case("log_softmax1", {"x": x}, lambda x: torch.log_softmax(x, 1), ["x"])
case("log_softmax0", {"x": x}, lambda x: torch.log_softmax(x, 0), ["x"])
case("logsumexp1", {"x": x}, lambda x: torch.logsumexp(x, 1), ["x"])
case("logsumexp0", {"x": x}, lambda x: torch.logsumexp(x, 0), ["x"])
case("log_softmax1_big", {"x": big}, lambda x: torch.log_softmax(x, 1), ["x"])
case("logsumexp1_big", {"x": big}, lambda x: torch.logsumexp(x, 1), ["x"])

# class-index cross-entropy and nll_loss
for red in ("mean", "sum", "none"):
    case(f"cross_entropy_{red}", {"x": x, "t": t}, lambda x, t, r=red: F.cross_entropy(x, t, reduction=r), ["x"])
    case(f"cross_entropy_ls_{red}", {"x": x, "t": t},
         lambda x, t, r=red: F.cross_entropy(x, t, reduction=r, label_smoothing=0.1), ["x"])
    case(f"nll_loss_{red}", {"x": x, "t": t},
         lambda x, t, r=red: F.nll_loss(torch.log_softmax(x, 1), t, reduction=r), ["x"])
    case(f"cross_entropy_probs_{red}", {"x": x, "p": p},
         lambda x, p, r=red: F.cross_entropy(x, p, reduction=r), ["x", "p"])
    case(f"cross_entropy_probs_ls_{red}", {"x": x, "p": p},
         lambda x, p, r=red: F.cross_entropy(x, p, reduction=r, label_smoothing=0.25), ["x", "p"])
case("cross_entropy_ignore2_ls", {"x": x, "t": t_all},
     lambda x, t: F.cross_entropy(x, t, ignore_index=2, label_smoothing=0.3), ["x"])
case("cross_entropy_big", {"x": big, "t": t_all}, lambda x, t: F.cross_entropy(x, t), ["x"])
case("cross_entropy_nd", {"x": x3, "t": t3}, lambda x, t: F.cross_entropy(x, t, label_smoothing=0.2), ["x"])

# binary and regression losses
for red in ("mean", "sum", "none"):
    case(f"bce_logits_{red}", {"x": x, "y": y},
         lambda x, y, r=red: F.binary_cross_entropy_with_logits(x, y, reduction=r), ["x", "y"])
    case(f"bce_logits_pw_{red}", {"x": x, "y": y, "w": pw},
         lambda x, y, w, r=red: F.binary_cross_entropy_with_logits(x, y, reduction=r, pos_weight=w), ["x", "y"])
    case(f"l1_{red}", {"x": x, "u": u}, lambda x, u, r=red: F.l1_loss(x, u, reduction=r), ["x", "u"])
    case(f"smooth_l1_{red}", {"x": x, "u": u},
         lambda x, u, r=red: F.smooth_l1_loss(x, u, reduction=r, beta=1.5), ["x", "u"])
    case(f"huber_{red}", {"x": x, "u": u},
         lambda x, u, r=red: F.huber_loss(x, u, reduction=r, delta=1.5), ["x", "u"])

# activations and elementwise functions
case("gelu", {"x": x}, lambda x: F.gelu(x), ["x"])
case("gelu_tanh", {"x": x}, lambda x: F.gelu(x, approximate="tanh"), ["x"])
case("leaky_relu", {"x": x}, lambda x: F.leaky_relu(x, 0.2), ["x"])
case("sin", {"x": x}, torch.sin, ["x"])
case("cos", {"x": x}, torch.cos, ["x"])
case("exp2", {"x": x}, torch.exp2, ["x"])
case("expm1", {"x": x}, torch.expm1, ["x"])
case("log1p", {"x": x.abs()}, torch.log1p, ["x"])
case("rsqrt", {"x": x.abs() + 0.1}, torch.rsqrt, ["x"])
case("sign", {"x": torch.cat([x, torch.tensor([[0.0, -0.0, float("nan"), 2.5, -2.5]], dtype=torch.float64)])}, torch.sign)
case("floor", {"x": x}, torch.floor, ["x"])
case("round", {"x": torch.cat([x, torch.tensor([[0.5, 1.5, 2.5, -0.5, -2.5]], dtype=torch.float64)])}, torch.round)

# gather / scatter_add
case("gather1", {"x": x, "i": idx}, lambda x, i: torch.gather(x, 1, i), ["x"])
case("scatter_add1", {"x": x, "i": idx, "s": src}, lambda x, i, s: x.scatter_add(1, i, s), ["x", "s"])

# linspace (a constructor: its dtype is the case's, not an input's)
for dtype, tag in ((torch.float32, "f32"), (torch.float64, "f64")):
    v = torch.linspace(-3.3, 7.1, 13, dtype=dtype)
    lines += [f"case linspace {tag}", f"out {fmt_shape(v)} {fmt_vals(v)}"]

OUT.write_text("\n".join(lines) + "\n")
print(f"wrote {OUT} ({len(lines)} lines)")
