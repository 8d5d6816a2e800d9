#!/usr/bin/env python3
"""Regenerate the LeNet parity data for tests/lenet_parity.rs: the blitz's `Net` trained
by PyTorch on the digits data (examples/data/digits), from fixed initial weights and a
fixed batch order, and its loss at every step.

How to run (from the repository root; needs torch 2.x, numpy and safetensors):

    python3 scripts/lenet_goldens.py            # writes the two files below
    python3 scripts/lenet_goldens.py --check    # exits 1 if the committed files are stale

Writes
    tests/data/lenet/init.safetensors   the initial weights (PyTorch's default
                                        initialisation under torch.manual_seed(0)), by
                                        their state_dict names (conv1.weight, ..., fc3.bias)
    tests/goldens/lenet_losses.txt      one line per training step: step, then the loss as
                                        an f32 bit pattern (8 hex digits) and as a decimal

The run is the example's (examples/14_lenet.rs): images upsampled from 8x8 to 32x32 by
repeating each pixel 4x4 and scaled to [-1, 1] (intensity / 8 - 1); batches of 32 taken in
order (no shuffle; the last of each epoch has 29 images); `F.cross_entropy` (mean);
`torch.optim.SGD(lr=0.02, momentum=0.9)`; `EPOCHS` epochs. One thread, so the sums run
in a fixed order.
"""

import argparse
import io
import pathlib
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save

ROOT = pathlib.Path(__file__).resolve().parent.parent
DIGITS = ROOT / "examples" / "data" / "digits"
INIT = ROOT / "tests" / "data" / "lenet" / "init.safetensors"
LOSSES = ROOT / "tests" / "goldens" / "lenet_losses.txt"
EPOCHS = 2
BATCH = 32
LR = 0.02
MOMENTUM = 0.9


class Net(nn.Module):
    """The blitz's network (pytorch.org/tutorials/beginner/blitz/neural_networks_tutorial)."""

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution
        # kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square, you can specify with a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)  # flatten all dimensions except the batch dimension
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


def images(split):
    """8x8 digits as [N, 1, 32, 32] float32 in [-1, 1], each pixel repeated 4x4."""
    x = np.load(DIGITS / f"{split}_x.npy").reshape(-1, 1, 8, 8) / np.float32(8) - np.float32(1)
    x = x.repeat(4, axis=2).repeat(4, axis=3).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(np.load(DIGITS / f"{split}_y.npy"))


def generate():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    net = Net()
    init = save({k: v.detach().contiguous() for k, v in net.state_dict().items()})
    x, y = images("train")
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    lines = [
        "# The blitz's LeNet trained by PyTorch on the digits (see scripts/lenet_goldens.py).",
        f"# Generated with torch {torch.__version__}. Do not edit by hand.",
        f"# epochs={EPOCHS} batch={BATCH} lr={LR} momentum={MOMENTUM}",
    ]
    step = 0
    for _ in range(EPOCHS):
        for i in range(0, len(x), BATCH):
            opt.zero_grad()
            loss = F.cross_entropy(net(x[i : i + BATCH]), y[i : i + BATCH])
            loss.backward()
            opt.step()
            v = loss.item()
            lines.append(f"{step} {struct.pack('>f', v).hex()} {v!r}")
            step += 1
    return init, "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    init, losses = generate()
    if args.check:
        stale = INIT.read_bytes() != init or LOSSES.read_text() != losses
        if stale:
            print("LeNet goldens are stale; rerun scripts/lenet_goldens.py", file=sys.stderr)
        return int(stale)
    INIT.parent.mkdir(parents=True, exist_ok=True)
    INIT.write_bytes(init)
    LOSSES.write_text(losses)
    print(f"wrote {INIT} and {LOSSES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
