#!/usr/bin/env python3
"""PyTorch's side of the convolution rows of examples/bench.rs, run by hand on the same
machine (the README's Performance section cites both from one run):

    python3 scripts/conv_bench_torch.py            # 1 thread, as the bench's default
    python3 scripts/conv_bench_torch.py --threads 2

Times, as medians over repeated runs:
  * the blitz's LeNet training step on a batch of 32 digits upsampled to 32x32
    (forward, F.cross_entropy, backward, SGD(lr=0.02, momentum=0.9)): examples/14_lenet.rs;
  * conv2d's forward pass and forward + backward (input and weight gradients) at LeNet's
    two layers and at a ResNet-like layer ([32, 64, 56, 56], 3x3, 64 -> 64, padding 1),
    as GFLOP/s (2 * N * OC * OH * OW * C * K * K per forward, 3x that with the backward).
Needs torch and numpy (any recent version).
"""

import argparse
import pathlib
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def median_time(f, min_reps=7, min_time=0.4):
    f()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
        if len(times) >= 20000:
            break
    return statistics.median(times)


def lenet_step():
    d = ROOT / "examples" / "data" / "digits"
    x = np.load(d / "train_x.npy")[:32].reshape(-1, 1, 8, 8) / np.float32(8) - np.float32(1)
    x = torch.from_numpy(x.repeat(4, axis=2).repeat(4, axis=3).astype(np.float32))
    y = torch.from_numpy(np.load(d / "train_y.npy")[:32])
    torch.manual_seed(14)
    net = Net()
    opt = torch.optim.SGD(net.parameters(), lr=0.02, momentum=0.9)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()

    t = median_time(step)
    print(f"\n14_lenet: one training step on a batch of 32 (median): {t * 1e6:.1f} µs")


def conv_row(label, n, c, h, oc, k, p):
    torch.manual_seed(3)
    x = torch.randn(n, c, h, h)
    w = torch.randn(oc, c, k, k)
    oh = h + 2 * p - k + 1
    flop = 2.0 * n * oc * oh * oh * c * k * k
    with torch.no_grad():
        fwd = median_time(lambda: F.conv2d(x, w, padding=p))
    xg, wg = x.clone().requires_grad_(), w.clone().requires_grad_()

    def fwd_bwd():
        F.conv2d(xg, wg, padding=p).sum().backward()
        xg.grad = None
        wg.grad = None

    fb = median_time(fwd_bwd)
    print(f"  {label:<40} {flop / fwd / 1e9:>9.1f} {3 * flop / fb / 1e9:>12.1f} {fb * 1e3:>10.2f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"mkldnn (oneDNN) {'on' if torch.backends.mkldnn.is_available() else 'off'}")
    lenet_step()
    print("\nconv2d, f32 (median): GFLOP/s of the forward pass, and of forward + backward (3x the forward's flops)")
    print(f"  {'layer':<40} {'forward':>9} {'fwd+bwd':>12} {'fwd+bwd time':>13}")
    conv_row("LeNet conv1 [32,1,32,32] 5x5 1->6", 32, 1, 32, 6, 5, 0)
    conv_row("LeNet conv2 [32,6,14,14] 5x5 6->16", 32, 6, 14, 16, 5, 0)
    conv_row("ResNet-like [32,64,56,56] 3x3 64->64 p1", 32, 64, 56, 64, 3, 1)


if __name__ == "__main__":
    main()
