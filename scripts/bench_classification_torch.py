#!/usr/bin/env python3
"""PyTorch's side of examples/bench.rs's classification section, on this machine (run by hand):
log_softmax(dim=1) and cross_entropy forward + backward on float32 [N, C] logits, median
microseconds per call, one thread (as `cargo run --release --example bench -- --classification`
without the `threads` feature).

    python3 scripts/bench_classification_torch.py        # needs torch (pip install torch)
"""
import statistics
import time

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
