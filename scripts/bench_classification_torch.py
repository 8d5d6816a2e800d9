#!/usr/bin/env python3
"""PyTorch's side of examples/bench.rs's classification section, on this machine (run by hand):
log_softmax(dim=1) and cross_entropy forward + backward on float32 [N, C] logits, median
microseconds per call, and examples/13_classifier.rs's training step (a shuffled epoch of
batches of up to 64 digits through Linear(64, 128), ReLU, Dropout(0.2), Linear(128, 10),
CrossEntropyLoss, backward and Adam; median epoch over the repetitions, per step), one
thread (as `cargo run --release --example bench -- --classification` without the `threads`
feature).

    python3 scripts/bench_classification_torch.py        # needs torch and numpy (pip install torch numpy)
"""
import pathlib
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def median_us(fn, reps=7, min_time=0.4):
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < reps or time.perf_counter() - start < min_time:
        s = time.perf_counter()
        fn()
        times.append(time.perf_counter() - s)
        if len(times) >= 20000:
            break
    return statistics.median(times) * 1e6


print(f"torch {torch.__version__}, 1 thread: microseconds per call (median)")
print(f"  {'op':<36} {'N x C':>12} {'torch':>12}")
for n, c in ((64, 10), (256, 1000), (4096, 1000)):
    torch.manual_seed(4)
    x = torch.randn(n, c)
    t = torch.tensor([i * 7 % c for i in range(n)])
    print(f"  {'log_softmax(dim=1)':<36} {f'{n} x {c}':>12} {median_us(lambda: x.log_softmax(1)):>12.1f}")
    leaf = x.clone().requires_grad_()

    def step():
        loss = F.cross_entropy(leaf, t)
        loss.backward()
        leaf.grad = None
        loss.item()

    print(f"  {'cross_entropy, forward + backward':<36} {f'{n} x {c}':>12} {median_us(step):>12.1f}")


def classifier_epoch():
    digits = pathlib.Path(__file__).resolve().parent.parent / "examples" / "data" / "digits"
    x = torch.from_numpy(np.load(digits / "train_x.npy")) / 16
    y = torch.from_numpy(np.load(digits / "train_y.npy"))
    torch.manual_seed(13)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(128, 10)
    )
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    steps = (len(x) + 63) // 64

    def epoch():
        order = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            idx = order[i : i + 64]
            loss = loss_fn(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss.item()

    t = median_us(epoch)
    name = "13_classifier training step"
    print("  13_classifier (forward, CrossEntropyLoss, backward, Adam; Dropout on): microseconds per step")
    print(f"  {name:<36} {'64 x 64':>12} {t / steps:>12.1f}  ({t / 1e3:.2f} ms per epoch of {steps} steps)")


classifier_epoch()
