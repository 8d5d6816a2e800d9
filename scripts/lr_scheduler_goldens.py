#!/usr/bin/env python3
"""Regenerate tests/goldens/lr_schedulers.txt: the learning rates PyTorch's schedulers set,
which tests/lr_schedulers.rs replays bit for bit.

How to run (from the repository root; needs torch 2.x, any recent version):

    python3 scripts/lr_scheduler_goldens.py            # writes the file
    python3 scripts/lr_scheduler_goldens.py --check    # exits 1 if it is stale

Each case builds torch.optim.SGD over one parameter with the case's initial lr, creates the
scheduler (its initial step), then calls optimizer.step() and scheduler.step() EPOCHS
times, recording scheduler.get_last_lr()[0] after creation and after every step.

File format: `case NAME KEY=VALUE ...` then `lrs V0 V1 ...` (Python's repr of each float,
which Rust parses to the same f64). LambdaLR's lambdas are named (`lambda=...`) and
written out in both languages.
"""

import argparse
import pathlib
import sys

import torch
from torch.optim import lr_scheduler as S

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "goldens" / "lr_schedulers.txt"
EPOCHS = 60

LAMBDAS = {
    "pow095": lambda e: 0.95**e,
    "inverse": lambda e: 1.0 / (e + 1),
    "warmup10": lambda e: min(1.0, (e + 1) / 10),
}

CASES = [
    ("step", "StepLR", 0.1, {"step_size": 7, "gamma": 0.5}),
    ("step_gamma_odd", "StepLR", 0.05, {"step_size": 3, "gamma": 0.3}),
    ("multistep", "MultiStepLR", 0.1, {"milestones": [5, 12, 12, 30], "gamma": 0.1}),
    ("exponential", "ExponentialLR", 0.01, {"gamma": 0.93}),
    ("cosine", "CosineAnnealingLR", 0.1, {"T_max": 20, "eta_min": 0.0}),
    ("cosine_eta", "CosineAnnealingLR", 0.02, {"T_max": 7, "eta_min": 0.001}),
    ("lambda_pow", "LambdaLR", 0.1, {"lambda": "pow095"}),
    ("lambda_inverse", "LambdaLR", 0.3, {"lambda": "inverse"}),
    ("lambda_warmup", "LambdaLR", 1e-3, {"lambda": "warmup10"}),
]


def render(v):
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return repr(v)


def run(kind, lr, cfg):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    kw = dict(cfg)
    if kind == "LambdaLR":
        kw = {"lr_lambda": LAMBDAS[kw.pop("lambda")]}
    sched = getattr(S, kind)(opt, **kw)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(EPOCHS):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return lrs


def generate():
    lines = [
        "# torch.optim.lr_scheduler sequences for tests/lr_schedulers.rs "
        "(scripts/lr_scheduler_goldens.py).",
        f"# Generated with torch {torch.__version__}. Do not edit by hand.",
    ]
    for name, kind, lr, cfg in CASES:
        keys = " ".join(f"{k}={render(v)}" for k, v in cfg.items())
        lines.append(f"case {name} {kind} lr={lr!r} {keys}")
        lines.append("lrs " + " ".join(repr(float(x)) for x in run(kind, lr, cfg)))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = generate()
    if args.check:
        old = OUT.read_text().split("\n", 2)[2] if OUT.exists() else ""
        if old != text.split("\n", 2)[2]:
            print(f"{OUT} is stale", file=sys.stderr)
            sys.exit(1)
        return
    OUT.write_text(text)


if __name__ == "__main__":
    main()
