#!/usr/bin/env python3
"""Writes tests/data/safetensors/: a PyTorch model's state_dict as safetensors, plus each
tensor as .npy, so the Rust tests check that typetensor loads PyTorch's file with the same
names and values. Needs torch, numpy, safetensors (pip install torch numpy safetensors).
Run from the repository root: python3 scripts/safetensors_testdata.py"""
import os

import numpy as np
import torch
from safetensors.torch import save_file

out = "tests/data/safetensors"
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(4, 3, bias=True),
    torch.nn.ReLU(),
    torch.nn.Linear(3, 2, bias=False),
)
state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
save_file(state, os.path.join(out, "seq_4_3_2.safetensors"))
for name, t in state.items():
    np.save(os.path.join(out, f"{name}.npy"), t.numpy())
x = torch.arange(8, dtype=torch.float32).reshape(2, 4) / 4 - 1
np.save(os.path.join(out, "x.npy"), x.numpy())
np.save(os.path.join(out, "y.npy"), model(x).detach().numpy())
# A float64 file, to check the dtype mismatch error.
save_file({k: v.double() for k, v in state.items()}, os.path.join(out, "seq_4_3_2_f64.safetensors"))
