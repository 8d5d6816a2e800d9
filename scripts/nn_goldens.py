#!/usr/bin/env python3
"""Regenerate tests/goldens/nn_modules.txt (forward values, input and parameter gradients,
running statistics of LayerNorm, BatchNorm1d and Embedding, in float32 and float64, in
training and evaluation mode; gradients clipped by torch.nn.utils.clip_grad_norm_ and
clip_grad_value_) and tests/goldens/nn_print.txt (PyTorch's `print(model)` of
every module typetensor has, and of custom modules).

How to run (from the repository root; needs torch 2.x, any recent version):

    python3 scripts/nn_goldens.py            # writes both files
    python3 scripts/nn_goldens.py --check    # exits 1 if a committed file is stale

tests/nn_parity.rs rebuilds each module from the recorded parameters, runs the same
forward passes, and compares every recorded tensor (tests/printing.rs compares the text).

Determinism: no value depends on torch's RNG. Inputs, parameters and upstream gradients are
deterministic sine/cosine patterns computed in float64 by Python's math module and stored
in the file (as Python's repr of each float, which Rust parses to the same float64, exact
for float32 values too), so nothing depends on a libm. Every gradient is that of
`(y * g).sum()` for a recorded upstream gradient `g`.

File format (line based):
    case NAME DTYPE             a case (DTYPE float32 or float64)
    T NAME D0,D1,.. V0 V1 ...   one tensor: T is `in` (given to the module) or `out`
                                (what PyTorch computed); NAME like `x`, `weight`,
                                `y_train1`, `x.grad`, `running_mean_after2`
"""

import argparse
import math
import pathlib
import sys

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "goldens" / "nn_modules.txt"
PRINT_OUT = ROOT / "tests" / "goldens" / "nn_print.txt"
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def pattern(shape, seed, dtype, scale=1.0, offset=0.0):
    n = math.prod(shape)
    vals = [scale * math.sin(0.73 * i + seed) + 0.3 * math.cos(1.9 * i * seed + 0.2) + offset for i in range(n)]
    return torch.tensor(vals, dtype=torch.float64).to(dtype).reshape(shape)


def fmt(name, kind, t):
    dims = ",".join(str(d) for d in t.shape) if t.dim() > 0 else ""
    vals = " ".join(repr(float(v)) for v in t.detach().flatten().tolist())
    return f"{kind} {name} {dims} {vals}"


class Case:
    def __init__(self, lines, name, dtype):
        self.lines = lines
        lines.append(f"case {name} {dtype}")

    def put(self, kind, name, t):
        self.lines.append(fmt(name, kind, t))


def backward(case, y, g, tensors, suffix):
    """(y * g).sum().backward(); records each tensor's gradient, then clears them."""
    (y * g).sum().backward()
    for name, t in tensors:
        case.put("out", f"{name}.grad{suffix}", t.grad)
        t.grad = None


def layer_norm(lines, dtype_name, shape, tag, affine=True):
    dtype = DTYPES[dtype_name]
    h = shape[-1]
    case = Case(lines, f"layernorm_{tag}", dtype_name)
    x = pattern(shape, 0.4, dtype, 2.0, 0.5).requires_grad_()
    ln = torch.nn.LayerNorm(h, eps=1e-5, elementwise_affine=affine, dtype=dtype)
    params = []
    if affine:
        with torch.no_grad():
            ln.weight.copy_(pattern((h,), 1.1, dtype, 0.5, 1.0))
            ln.bias.copy_(pattern((h,), 2.3, dtype, 0.2))
        case.put("in", "weight", ln.weight)
        case.put("in", "bias", ln.bias)
        params = [("weight", ln.weight), ("bias", ln.bias)]
    g = pattern(shape, 3.7, dtype)
    case.put("in", "x", x)
    case.put("in", "g", g)
    y = ln(x)
    case.put("out", "y", y)
    backward(case, y, g, [("x", x)] + params, "")


def batch_norm(lines, dtype_name, shape, tag, momentum=0.1, affine=True, track=True):
    """Two training steps (running statistics after each), then one step in eval mode."""
    dtype = DTYPES[dtype_name]
    c = shape[1]
    case = Case(lines, f"batchnorm_{tag}", dtype_name)
    bn = torch.nn.BatchNorm1d(
        c, eps=1e-5, momentum=momentum, affine=affine, track_running_stats=track, dtype=dtype
    )
    params = []
    if affine:
        with torch.no_grad():
            bn.weight.copy_(pattern((c,), 1.3, dtype, 0.5, 1.0))
            bn.bias.copy_(pattern((c,), 0.7, dtype, 0.2))
        case.put("in", "weight", bn.weight)
        case.put("in", "bias", bn.bias)
        params = [("weight", bn.weight), ("bias", bn.bias)]
    g = pattern(shape, 3.1, dtype)
    case.put("in", "g", g)
    bn.train()
    for step, seed in ((1, 0.2), (2, 1.4)):
        x = pattern(shape, seed, dtype, 1.5 * step, 0.3 * step).requires_grad_()
        case.put("in", f"x{step}", x)
        y = bn(x)
        case.put("out", f"y_train{step}", y)
        backward(case, y, g, [("x", x)] + params, f"_train{step}")
        if track:
            case.put("out", f"running_mean_after{step}", bn.running_mean)
            case.put("out", f"running_var_after{step}", bn.running_var)
    bn.eval()
    x = pattern(shape, 2.9, dtype, 1.0, -0.2).requires_grad_()
    case.put("in", "x3", x)
    y = bn(x)
    case.put("out", "y_eval", y)
    backward(case, y, g, [("x", x)] + params, "_eval")


def embedding(lines, dtype_name, padding_idx, tag):
    dtype = DTYPES[dtype_name]
    case = Case(lines, f"embedding_{tag}", dtype_name)
    emb = torch.nn.Embedding(10, 3, padding_idx=padding_idx, dtype=dtype)
    with torch.no_grad():
        emb.weight.copy_(pattern((10, 3), 0.9, dtype))
    case.put("in", "weight", emb.weight)
    idx = torch.tensor([[1, 2, 4, 5], [4, 3, 0, 9]])
    case.put("in", "idx", idx.to(torch.float64))
    g = pattern((2, 4, 3), 1.7, dtype)
    case.put("in", "g", g)
    y = emb(idx)
    case.put("out", "y", y)
    backward(case, y, g, [("weight", emb.weight)], "")


def clipping(lines, dtype_name, norm_type, tag):
    """torch.nn.utils.clip_grad_norm_ (and clip_grad_value_) of two gradients."""
    dtype = DTYPES[dtype_name]
    case = Case(lines, f"clip_{tag}", dtype_name)
    a = torch.zeros(3, 4, dtype=dtype, requires_grad=True)
    b = torch.zeros(5, dtype=dtype, requires_grad=True)
    a.grad = pattern((3, 4), 0.6, dtype, 2.0)
    b.grad = pattern((5,), 1.9, dtype, 3.0)
    case.put("in", "a.grad", a.grad)
    case.put("in", "b.grad", b.grad)
    if norm_type == "value":
        torch.nn.utils.clip_grad_value_([a, b], 0.8)
    else:
        total = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.5, norm_type=norm_type)
        case.put("out", "total_norm", total.reshape(1))
    case.put("out", "a.grad_clipped", a.grad)
    case.put("out", "b.grad_clipped", b.grad)


STATE_DICT = ROOT / "tests" / "data" / "safetensors" / "linear_bn_3_4.safetensors"


def state_dict_case(lines, write_file):
    """A Linear(3, 4) + BatchNorm1d(4) after two training steps: its state_dict (running
    statistics and num_batches_tracked included) saved with safetensors, and its output in
    eval mode, which depends on the running statistics."""
    from safetensors.torch import save_file

    dtype = torch.float32
    case = Case(lines, "statedict_linear_bn", "float32")
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    with torch.no_grad():
        model[0].weight.copy_(pattern((4, 3), 0.5, dtype))
        model[0].bias.copy_(pattern((4,), 1.5, dtype, 0.1))
    model.train()
    for seed in (0.3, 1.1):
        model(pattern((6, 3), seed, dtype, 2.0, 0.4))
    model.eval()
    x = pattern((5, 3), 2.2, dtype)
    case.put("in", "x", x)
    case.put("out", "y_eval", model(x))
    if write_file:
        save_file(model.state_dict(), str(STATE_DICT))


def modules_text(lines, write_file=False):
    for dt in DTYPES:
        layer_norm(lines, dt, (3, 4, 5), f"rank3_{dt}")
        layer_norm(lines, dt, (6, 7), f"rank2_{dt}")
        layer_norm(lines, dt, (4, 6), f"noaffine_{dt}", affine=False)
        batch_norm(lines, dt, (6, 4), f"nc_{dt}")
        batch_norm(lines, dt, (3, 4, 5), f"ncl_{dt}")
        batch_norm(lines, dt, (5, 3), f"cumulative_{dt}", momentum=None)
        batch_norm(lines, dt, (5, 3), f"noaffine_{dt}", affine=False)
        batch_norm(lines, dt, (5, 3), f"untracked_{dt}", track=False)
        embedding(lines, dt, None, f"plain_{dt}")
        embedding(lines, dt, 4, f"padding_{dt}")
        clipping(lines, dt, 2.0, f"norm2_{dt}")
        clipping(lines, dt, float("inf"), f"norminf_{dt}")
        clipping(lines, dt, 3.0, f"norm3_{dt}")
        clipping(lines, dt, "value", f"value_{dt}")
    state_dict_case(lines, write_file)


class TwoLayerNet(torch.nn.Module):
    def __init__(self, d_in, h, d_out):
        super().__init__()
        self.linear1 = torch.nn.Linear(d_in, h, bias=False)
        self.linear2 = torch.nn.Linear(h, d_out, bias=False)


class Classifier(torch.nn.Module):
    """A custom module holding a Sequential, a norm layer and an embedding."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(100, 16, padding_idx=0)
        self.norm = torch.nn.LayerNorm(16)
        self.body = torch.nn.Sequential(
            torch.nn.Linear(16, 32),
            torch.nn.BatchNorm1d(32),
            torch.nn.ReLU(),
            torch.nn.Linear(32, 4),
        )


class Empty(torch.nn.Module):
    pass


class DigitNet(torch.nn.Module):
    """A custom module with the classification modules as fields, a loss among them."""

    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(64, 128)
        self.act = torch.nn.GELU()
        self.drop = torch.nn.Dropout(0.1)
        self.out = torch.nn.Linear(128, 10)
        self.log_softmax = torch.nn.LogSoftmax(dim=1)
        self.loss_fn = torch.nn.NLLLoss()


def print_text(lines):
    models = {
        "linear": torch.nn.Linear(1000, 100, bias=False),
        "layernorm": torch.nn.LayerNorm(10),
        "layernorm_options": torch.nn.LayerNorm(8, eps=1e-3, elementwise_affine=False),
        "layernorm_no_bias": torch.nn.LayerNorm(8, bias=False),
        "batchnorm": torch.nn.BatchNorm1d(3),
        "batchnorm_options": torch.nn.BatchNorm1d(
            5, eps=0.001, momentum=None, affine=False, track_running_stats=False
        ),
        "batchnorm_momentum": torch.nn.BatchNorm1d(4, momentum=0.01),
        "embedding": torch.nn.Embedding(10, 3),
        "embedding_padding": torch.nn.Embedding(10, 3, padding_idx=0),
        "flatten": torch.nn.Flatten(),
        "sequential": torch.nn.Sequential(
            torch.nn.Flatten(),
            torch.nn.Linear(64, 32),
            torch.nn.BatchNorm1d(32),
            torch.nn.ReLU(),
            torch.nn.Linear(32, 10),
        ),
        "two_layer_net": TwoLayerNet(1000, 100, 10),
        "classifier": Classifier(),
        "empty": Empty(),
        "dropout": torch.nn.Dropout(0.2),
        "dropout_default": torch.nn.Dropout(),
        "gelu": torch.nn.GELU(),
        "gelu_tanh": torch.nn.GELU(approximate="tanh"),
        "leaky_relu": torch.nn.LeakyReLU(),
        "leaky_relu_slope": torch.nn.LeakyReLU(0.2),
        "softmax": torch.nn.Softmax(dim=1),
        "log_softmax": torch.nn.LogSoftmax(dim=2),
        "cross_entropy_loss": torch.nn.CrossEntropyLoss(reduction="sum", ignore_index=3, label_smoothing=0.1),
        "nll_loss": torch.nn.NLLLoss(),
        "bce_with_logits_loss": torch.nn.BCEWithLogitsLoss(),
        "l1_loss": torch.nn.L1Loss(),
        "mse_loss": torch.nn.MSELoss(),
        "mlp": torch.nn.Sequential(
            torch.nn.Linear(64, 128),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(128, 10),
        ),
        "digit_net": DigitNet(),
    }
    for name, model in models.items():
        text = repr(model).split("\n")
        lines.append(f"case {name} {len(text)}")
        lines.extend(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    stale = False
    for path, build, header in (
        (OUT, modules_text, "# generated by scripts/nn_goldens.py; do not edit"),
        (PRINT_OUT, print_text, "# generated by scripts/nn_goldens.py: repr(model); do not edit"),
    ):
        lines = [header, f"# torch {torch.__version__}"]
        if build is modules_text:
            build(lines, write_file=not args.check)
        else:
            build(lines)
        text = "\n".join(lines) + "\n"
        if args.check:
            # The torch version line may differ; compare the rest.
            old = path.read_text().split("\n", 2)[2] if path.exists() else ""
            if old != text.split("\n", 2)[2]:
                print(f"{path} is stale", file=sys.stderr)
                stale = True
        else:
            path.write_text(text)
    sys.exit(1 if stale else 0)


if __name__ == "__main__":
    main()
