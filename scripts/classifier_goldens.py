#!/usr/bin/env python3
"""Regenerate the PyTorch goldens of the classification modules and of 13_classifier:

- tests/goldens/nn_classifier.txt: forward values (in training and in evaluation mode) and
  gradients of nn.GELU, nn.LeakyReLU, nn.Softmax, nn.LogSoftmax, nn.CrossEntropyLoss,
  nn.NLLLoss, nn.BCEWithLogitsLoss and nn.L1Loss with their options, in float32 and float64;
  a Sequential with Dropout in evaluation mode; and the loss of every mini-batch of the
  first epochs of examples/13_classifier.rs (case `classifier_curve`).
- tests/data/classifier/{w1,b1,w2,b2}.npy: that run's initial weights (nn.Linear's default
  initialisation from torch.manual_seed(0)), so both sides start from the same model.

tests/classifier_parity.rs replays everything (it needs no Python). The curve's run is the
example's own loop: the same data (examples/data/digits, pixels / 16), batches of 64 in
file order (no shuffle), Dropout off (the Dropout module in evaluation mode), Adam(lr=1e-2)
and StepLR(step_size=5, gamma=0.5) stepped after each epoch.

How to run (from the repository root; torch and numpy from PyPI, CPU is enough):

    python3 -m venv /tmp/torch-venv
    /tmp/torch-venv/bin/pip install torch numpy   # or: --index-url https://download.pytorch.org/whl/cpu
    /tmp/torch-venv/bin/python scripts/classifier_goldens.py

Inputs are scripts/nn_goldens.py's deterministic sine/cosine patterns, written into the
file; the format is nn_goldens.py's (this script imports it):
    case NAME DTYPE             a case (DTYPE float32 or float64)
    in|out NAME D0,D1,.. V0 ..  a tensor given to the module (`in`) or computed (`out`);
                                dims are empty for a scalar
"""

import pathlib

import numpy as np
import torch

import nn_goldens  # the sibling script: its input patterns and line format
from nn_goldens import pattern

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "goldens" / "nn_classifier.txt"
DATA = ROOT / "tests" / "data" / "classifier"
DIGITS = ROOT / "examples" / "data" / "digits"
DTYPES = nn_goldens.DTYPES
CURVE_EPOCHS = 6
torch.set_num_threads(1)


class Case(nn_goldens.Case):
    """A case whose name carries its dtype (`gelu_float32`), so both dtypes share a name."""

    def __init__(self, lines, name, dtype):
        super().__init__(lines, f"{name}_{dtype}", dtype)


def train_and_eval(case, module, inputs, g=None):
    """Records `y_train` (after module.train()) and `y_eval` (after module.eval()), and the
    gradient of each differentiable input from the training-mode output: `loss.backward()`
    for a scalar, `(y * g).sum().backward()` otherwise."""
    module.train()
    y = module(*inputs)
    case.put("out", "y_train", y)
    if g is None:
        y.backward()
    else:
        case.put("in", "g", g)
        (y * g).sum().backward()
    module.eval()
    with torch.no_grad():
        case.put("out", "y_eval", module(*inputs))
    for i, t in enumerate(inputs):
        if t.requires_grad:
            case.put("out", f"x{i}.grad", t.grad)


def activations(lines, dtype_name):
    dtype = DTYPES[dtype_name]
    for name, module, shape in [
        ("gelu", torch.nn.GELU(), (4, 6)),
        ("gelu_tanh", torch.nn.GELU(approximate="tanh"), (4, 6)),
        ("leaky_relu", torch.nn.LeakyReLU(), (4, 6)),
        ("leaky_relu_0.2", torch.nn.LeakyReLU(0.2), (4, 6)),
        ("softmax_dim1", torch.nn.Softmax(dim=1), (4, 6)),
        ("softmax_dim0", torch.nn.Softmax(dim=0), (4, 6)),
        ("log_softmax_dim1", torch.nn.LogSoftmax(dim=1), (4, 6)),
        ("log_softmax_dim2", torch.nn.LogSoftmax(dim=2), (2, 3, 4)),
    ]:
        case = Case(lines, f"{name}", dtype_name)
        x = pattern(shape, 0.7, dtype, 3.0).requires_grad_()
        case.put("in", "x0", x)
        train_and_eval(case, module, [x], pattern(shape, 1.3, dtype))


def class_targets(n, c, seed, ignore=None):
    t = [(i * 7 + seed) % c for i in range(n)]
    if ignore is not None:
        t[1] = ignore
        t[4] = ignore
    return torch.tensor(t, dtype=torch.int64)


def losses(lines, dtype_name):
    dtype = DTYPES[dtype_name]
    n, c = 6, 5
    for name, module, reduce in [
        ("cross_entropy", torch.nn.CrossEntropyLoss(), True),
        ("cross_entropy_options", torch.nn.CrossEntropyLoss(reduction="sum", ignore_index=3, label_smoothing=0.1), True),
        ("cross_entropy_none", torch.nn.CrossEntropyLoss(reduction="none", ignore_index=3, label_smoothing=0.2), False),
        ("nll", torch.nn.NLLLoss(), True),
        ("nll_options", torch.nn.NLLLoss(reduction="sum", ignore_index=3), True),
        ("nll_none", torch.nn.NLLLoss(reduction="none", ignore_index=3), False),
    ]:
        case = Case(lines, name, dtype_name)
        x = pattern((n, c), 0.9, dtype, 2.0).requires_grad_()
        if name.startswith("nll"):
            # log-probabilities, as NLLLoss expects (a leaf, so its gradient is recorded)
            x = torch.log_softmax(x.detach(), dim=1).requires_grad_()
        t = class_targets(n, c, 2, ignore=None if name in ("cross_entropy", "nll") else 3)
        case.put("in", "x0", x)
        case.put("in", "target", t)
        train_and_eval(case, module, [x, t], None if reduce else pattern((n,), 1.7, dtype))
    for name, module, reduce in [
        ("cross_entropy_probs", torch.nn.CrossEntropyLoss(), True),
        ("cross_entropy_probs_options", torch.nn.CrossEntropyLoss(reduction="sum", label_smoothing=0.1), True),
    ]:
        case = Case(lines, name, dtype_name)
        x = pattern((n, c), 0.9, dtype, 2.0).requires_grad_()
        p = torch.softmax(pattern((n, c), 2.1, dtype, 2.0), dim=1)
        case.put("in", "x0", x)
        case.put("in", "target", p)
        train_and_eval(case, module, [x, p])
    for name, module, reduce in [
        ("bce_with_logits", torch.nn.BCEWithLogitsLoss(), True),
        ("bce_with_logits_sum", torch.nn.BCEWithLogitsLoss(reduction="sum"), True),
        ("bce_with_logits_none", torch.nn.BCEWithLogitsLoss(reduction="none"), False),
        ("l1", torch.nn.L1Loss(), True),
        ("l1_sum", torch.nn.L1Loss(reduction="sum"), True),
        ("l1_none", torch.nn.L1Loss(reduction="none"), False),
    ]:
        case = Case(lines, name, dtype_name)
        x = pattern((n, c), 0.9, dtype, 4.0).requires_grad_()
        if name.startswith("bce"):
            y = torch.sigmoid(pattern((n, c), 2.3, dtype, 2.0)).requires_grad_()
        else:
            y = pattern((n, c), 2.3, dtype, 2.0).requires_grad_()
        case.put("in", "x0", x)
        case.put("in", "x1", y)
        train_and_eval(case, module, [x, y], None if reduce else pattern((n, c), 1.7, dtype))


def sequential_eval(lines, dtype_name):
    """Dropout in evaluation mode is the identity inside a model: a whole forward pass and
    its gradients, with Dropout(p=0.5) in the middle."""
    dtype = DTYPES[dtype_name]
    case = Case(lines, "sequential_eval", dtype_name)
    model = torch.nn.Sequential(
        torch.nn.Linear(6, 8),
        torch.nn.GELU(),
        torch.nn.Dropout(0.5),
        torch.nn.LeakyReLU(0.1),
        torch.nn.Linear(8, 5),
        torch.nn.LogSoftmax(dim=1),
    ).to(dtype)
    with torch.no_grad():
        for i, (name, p) in enumerate(model.named_parameters()):
            p.copy_(pattern(tuple(p.shape), 0.3 + i, dtype, 0.5))
    for name, p in model.named_parameters():
        case.put("in", name, p)
    x = pattern((3, 6), 1.1, dtype, 2.0).requires_grad_()
    case.put("in", "x0", x)
    model.eval()
    y = model(x)
    case.put("out", "y_eval", y)
    g = pattern((3, 5), 0.5, dtype)
    case.put("in", "g", g)
    (y * g).sum().backward()
    case.put("out", "x0.grad", x.grad)
    for name, p in model.named_parameters():
        case.put("out", f"{name}.grad", p.grad)


def classifier_curve(lines):
    """13_classifier's loop from fixed initial weights, in file order, Dropout off."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(128, 10)
    )
    DATA.mkdir(parents=True, exist_ok=True)
    for name, p in [("w1", model[0].weight), ("b1", model[0].bias), ("w2", model[3].weight), ("b2", model[3].bias)]:
        np.save(DATA / f"{name}.npy", p.detach().numpy())
    x = torch.from_numpy(np.load(DIGITS / "train_x.npy")) / 16
    y = torch.from_numpy(np.load(DIGITS / "train_y.npy"))
    x_test = torch.from_numpy(np.load(DIGITS / "test_x.npy")) / 16
    y_test = torch.from_numpy(np.load(DIGITS / "test_y.npy"))
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
    model.train()
    model[2].eval()  # Dropout off
    case = Case(lines, "classifier_curve", "float32")
    for epoch in range(CURVE_EPOCHS):
        losses = []
        for i in range(0, len(x), 64):
            loss = loss_fn(model(x[i : i + 64]), y[i : i + 64])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        case.put("out", f"losses{epoch}", torch.tensor(losses, dtype=torch.float32))
        with torch.no_grad():
            correct = (model(x_test).argmax(dim=1) == y_test).sum()
        case.put("out", f"correct{epoch}", correct.reshape(()).to(torch.float32))


def main():
    lines = ["# generated by scripts/classifier_goldens.py; do not edit", f"# torch {torch.__version__}"]
    for dtype_name in DTYPES:
        activations(lines, dtype_name)
        losses(lines, dtype_name)
        sequential_eval(lines, dtype_name)
    classifier_curve(lines)
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
