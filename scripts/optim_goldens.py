#!/usr/bin/env python3
"""Regenerate tests/goldens/optim.txt: parameter trajectories of torch.optim.SGD, Adam,
AdamW and RMSprop, which src/optim/tests.rs replays with typetensor's optimizers, bit for bit.

How to run (from the repository root; needs torch 2.x, any recent version):

    python3 scripts/optim_goldens.py            # writes tests/goldens/optim.txt
    python3 scripts/optim_goldens.py --check    # exits 1 if the committed file is stale

Setup: a "model" of two float32 parameters, `a` of shape [2, 3] and `b` of shape [37] (37
elements so PyTorch's CPU kernels run both their vectorised body and their scalar tail),
with fixed initial values. Each case builds a fresh optimizer over [a, b] with
`foreach=False` (PyTorch's default on the CPU anyway: the single-tensor path), then for
t = 1..STEPS sets `p.grad` to the recorded gradient of step t and calls `optimizer.step()`,
recording both parameters after every step. The gradients are deterministic (a cosine
pattern with a magnitude that changes every few steps, so AMSGrad's running maximum and
RMSprop's centring both matter) and stored in the file, so nothing depends on a libm.

File format (line based; every value is the IEEE bit pattern of an f32, 8 hex digits):
    init NAME V0 V1 ...         initial values of parameter NAME (`a` or `b`)
    grad T NAME V0 V1 ...       the gradient of NAME at step T (1-based)
    case CASE OPTIMIZER key=value ...
                                a configuration; keys are typetensor's builder methods
                                (`lr`, `momentum`, `betas=B1,B2`, ...), floats as Python's
                                repr (which Rust parses to the same f64), bools true/false
    after T NAME V0 V1 ...      NAME after step T of the last `case`
    exact T NAME V0 V1 ...      the same with a correctly rounded sqrt (see below); only
                                where it differs from the `after` line

Why two trajectories: PyTorch builds linked with MKL (the x86 wheels) compute `Tensor.sqrt`
on the CPU with MKL's vector math, which is within 1 ulp but not correctly rounded (about one
float32 result in five is off by one ulp here, and which ones depends on the CPU). typetensor
uses the IEEE square root, as PyTorch builds without MKL's vector math do. So each case also
runs with `Tensor.sqrt`/`sqrt_` replaced by a correctly rounded one (Python's math.sqrt in
double, rounded to float32, which is exact for float32 inputs), everything else PyTorch's own
code: the Rust tests match that trajectory bit for bit, and the real one within a tolerance.
SGD takes no square root, so its `after` lines are the only ones and are matched bit for bit.
"""

import argparse
import math
import pathlib
import struct
import sys

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "goldens" / "optim.txt"
STEPS = 20
SHAPES = {"a": (2, 3), "b": (37,)}

CASES = [
    ("sgd_plain", "SGD", {"lr": 0.1}),
    ("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}),
    ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd_weight_decay", "SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("sgd_dampening", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}),
    (
        "sgd_all_maximize",
        "SGD",
        {"lr": 0.03, "momentum": 0.7, "weight_decay": 0.05, "nesterov": True, "maximize": True},
    ),
    ("adam_default", "Adam", {"lr": 0.001}),
    ("adam_lr", "Adam", {"lr": 0.05}),
    ("adam_weight_decay", "Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}),
    # 1 - beta1 = 0.7 >= 0.5: lerp_'s other formula.
    ("adam_betas_eps", "Adam", {"lr": 0.02, "betas": (0.3, 0.5), "eps": 1e-3}),
    (
        "adam_all_maximize",
        "Adam",
        {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True, "maximize": True},
    ),
    ("adamw_default", "AdamW", {"lr": 0.01}),
    ("adamw_weight_decay", "AdamW", {"lr": 0.02, "weight_decay": 0.3}),
    (
        "adamw_all_maximize",
        "AdamW",
        {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True, "maximize": True},
    ),
    ("rmsprop_default", "RMSprop", {"lr": 0.01}),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": True}),
    ("rmsprop_weight_decay", "RMSprop", {"lr": 0.01, "weight_decay": 0.1}),
    (
        "rmsprop_all_maximize",
        "RMSprop",
        {
            "lr": 0.005,
            "alpha": 0.9,
            "eps": 1e-6,
            "momentum": 0.5,
            "centered": True,
            "weight_decay": 0.02,
            "maximize": True,
        },
    ),
]


def hexf(x):
    return struct.pack(">f", x).hex()


def hexs(t):
    return " ".join(hexf(v) for v in t.flatten().tolist())


def f32(x):
    return struct.unpack(">f", struct.pack(">f", x))[0]


def initial(name):
    n = math.prod(SHAPES[name])
    off = 0.0 if name == "a" else 0.37
    vals = [f32(0.5 * math.sin(1.7 * i + off) + 0.1 * i / n) for i in range(n)]
    return torch.tensor(vals, dtype=torch.float32).reshape(SHAPES[name])


def gradient(t, name):
    n = math.prod(SHAPES[name])
    off = 0.0 if name == "a" else 2.0
    scale = 3.0 if t % 7 == 1 else (0.05 if t % 5 == 0 else 0.6)
    vals = [f32(scale * math.cos(0.9 * t + i + off)) for i in range(n)]
    return torch.tensor(vals, dtype=torch.float32).reshape(SHAPES[name])


_TORCH_SQRT = torch.Tensor.sqrt
_TORCH_SQRT_ = torch.Tensor.sqrt_


def _exact_sqrt(self):
    if self.dtype != torch.float32:
        return _TORCH_SQRT(self)
    vals = [math.sqrt(v) for v in self.detach().flatten().tolist()]
    return torch.tensor(vals, dtype=torch.float32).reshape(self.shape)


def _exact_sqrt_(self):
    if self.dtype != torch.float32:
        return _TORCH_SQRT_(self)
    with torch.no_grad():
        self.copy_(_exact_sqrt(self))
    return self


def run_case(opt_name, config, exact_sqrt):
    """Each parameter's values after each step: {name: [tensor per step]}."""
    torch.Tensor.sqrt = _exact_sqrt if exact_sqrt else _TORCH_SQRT
    torch.Tensor.sqrt_ = _exact_sqrt_ if exact_sqrt else _TORCH_SQRT_
    try:
        params = {name: initial(name).clone().requires_grad_() for name in SHAPES}
        opt = getattr(torch.optim, opt_name)(list(params.values()), **torch_kwargs(config))
        out = {name: [] for name in SHAPES}
        for t in range(1, STEPS + 1):
            for name, p in params.items():
                p.grad = gradient(t, name)
            opt.step()
            for name, p in params.items():
                out[name].append(p.detach().clone())
        return out
    finally:
        torch.Tensor.sqrt = _TORCH_SQRT
        torch.Tensor.sqrt_ = _TORCH_SQRT_


def torch_kwargs(config):
    kw = dict(config)
    kw["foreach"] = False
    return kw


def render(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(repr(float(v)) for v in value)
    return repr(float(value))


def generate():
    lines = [
        "# torch.optim trajectories for src/optim/tests.rs (see scripts/optim_goldens.py).",
        f"# Generated with torch {torch.__version__}. Do not edit by hand.",
    ]
    for name in SHAPES:
        lines.append(f"init {name} {hexs(initial(name))}")
    for t in range(1, STEPS + 1):
        for name in SHAPES:
            lines.append(f"grad {t} {name} {hexs(gradient(t, name))}")
    for case, opt_name, config in CASES:
        keys = " ".join(f"{k}={render(v)}" for k, v in config.items())
        lines.append(f"case {case} {opt_name} {keys}")
        real = run_case(opt_name, config, exact_sqrt=False)
        exact = run_case(opt_name, config, exact_sqrt=True)
        for t in range(STEPS):
            for name in SHAPES:
                lines.append(f"after {t + 1} {name} {hexs(real[name][t])}")
                if hexs(exact[name][t]) != hexs(real[name][t]):
                    lines.append(f"exact {t + 1} {name} {hexs(exact[name][t])}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = ap.parse_args()
    torch.set_default_dtype(torch.float32)
    text = generate()
    if args.check:
        if OUT.read_text() != text:
            print(f"{OUT} is stale; rerun scripts/optim_goldens.py", file=sys.stderr)
            sys.exit(1)
        print(f"{OUT} is up to date")
        return
    OUT.write_text(text)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
