#!/usr/bin/env python3
"""The lesson's training runs in PyTorch, for the parity tests (tests/lesson_parity.rs).

Writes the shared starting point as .npy (tests/data/lesson/: x, y, w1, w2 drawn by numpy
from seed 0, plus w1_t/w2_t, small uniform weights for the custom module) and every stage's
500 losses to tests/goldens/lesson_losses.txt, one `stage iteration loss` line each (loss as
Python's repr of the float32 value, widened to double). Single-threaded CPU float32.

Needs torch and numpy (pip install torch numpy). From the repository root:
    python3 scripts/lesson_goldens.py
"""
import os

import numpy as np
import torch

torch.set_num_threads(1)
DATA = "tests/data/lesson"
GOLDEN = "tests/goldens/lesson_losses.txt"
N, D_in, H, D_out = 64, 1000, 100, 10
ITERS = 500

rng = np.random.default_rng(0)
x_np = rng.standard_normal((N, D_in), dtype=np.float32)
y_np = rng.standard_normal((N, D_out), dtype=np.float32)
w1_np = rng.standard_normal((D_in, H), dtype=np.float32)
w2_np = rng.standard_normal((H, D_out), dtype=np.float32)
# nn.Linear's default init range, stored as PyTorch stores Linear weights: [out, in]
w1_t_np = rng.uniform(-1 / np.sqrt(D_in), 1 / np.sqrt(D_in), (H, D_in)).astype(np.float32)
w2_t_np = rng.uniform(-1 / np.sqrt(H), 1 / np.sqrt(H), (D_out, H)).astype(np.float32)
os.makedirs(DATA, exist_ok=True)
for name, arr in [("x", x_np), ("y", y_np), ("w1", w1_np), ("w2", w2_np), ("w1_t", w1_t_np), ("w2_t", w2_t_np)]:
    np.save(os.path.join(DATA, f"{name}.npy"), arr)

x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
curves = {}


def stage6():
    w1, w2 = torch.from_numpy(w1_np.copy()), torch.from_numpy(w2_np.copy())
    learning_rate = 1e-6
    out = []
    for it in range(ITERS):
        h = x.mm(w1)
        h_relu = h.clamp(min=0)
        y_pred = h_relu.mm(w2)
        out.append((y_pred - y).pow(2).sum().item())
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.t().mm(grad_y_pred)
        grad_h_relu = grad_y_pred.mm(w2.t())
        grad_h = grad_h_relu.clone()
        grad_h[h < 0] = 0
        grad_w1 = x.t().mm(grad_h)
        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2
    return out


def stage8():
    w1 = torch.from_numpy(w1_np.copy()).requires_grad_()
    w2 = torch.from_numpy(w2_np.copy()).requires_grad_()
    learning_rate = 1e-6
    out = []
    for it in range(ITERS):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        out.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    return out


def sequential(w1_out_in, w2_out_in):
    model = torch.nn.Sequential(
        torch.nn.Linear(D_in, H, bias=False),
        torch.nn.ReLU(),
        torch.nn.Linear(H, D_out, bias=False),
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(w1_out_in))
        model[2].weight.copy_(torch.from_numpy(w2_out_in))
    return model


def stage9():
    model = sequential(w1_np.T.copy(), w2_np.T.copy())
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    out = []
    for it in range(ITERS):
        loss = loss_fn(model(x), y)
        out.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
        model.zero_grad()
    return out


def train(model, optimizer):
    loss_fn = torch.nn.MSELoss(reduction="sum")
    out = []
    for it in range(ITERS):
        loss = loss_fn(model(x), y)
        out.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return out


def stage10(make_optimizer):
    model = sequential(w1_np.T.copy(), w2_np.T.copy())
    return train(model, make_optimizer(model.parameters()))


class TwoLayerNet(torch.nn.Module):
    def __init__(self, D_in, H, D_out):
        super(TwoLayerNet, self).__init__()
        self.linear1 = torch.nn.Linear(D_in, H, bias=False)
        self.linear2 = torch.nn.Linear(H, D_out, bias=False)

    def forward(self, x):
        return self.linear2(self.linear1(x).clamp(min=0))


def stage11():
    model = TwoLayerNet(D_in, H, D_out)
    with torch.no_grad():
        model.linear1.weight.copy_(torch.from_numpy(w1_t_np))
        model.linear2.weight.copy_(torch.from_numpy(w2_t_np))
    return train(model, torch.optim.Adam(model.parameters(), lr=1e-4))


curves["6"] = stage6()
curves["8"] = stage8()
curves["9"] = stage9()
curves["10_sgd"] = stage10(lambda p: torch.optim.SGD(p, lr=1e-6))
curves["10_sgd_momentum"] = stage10(lambda p: torch.optim.SGD(p, lr=1e-7, momentum=0.9))
curves["10_adam"] = stage10(lambda p: torch.optim.Adam(p, lr=1e-4))
curves["10_rmsprop"] = stage10(lambda p: torch.optim.RMSprop(p, lr=1e-4))
curves["11"] = stage11()

os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
with open(GOLDEN, "w") as f:
    f.write(f"# torch {torch.__version__}, numpy {np.__version__}; made by scripts/lesson_goldens.py\n")
    for stage, losses in curves.items():
        for it, loss in enumerate(losses):
            f.write(f"{stage} {it} {loss!r}\n")
for stage, losses in curves.items():
    print(stage, losses[0], losses[-1])
