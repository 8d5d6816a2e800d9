"""Writes examples/data/minibatch/{x,y}.npy, the regression data set of example
12_minibatch: 1,000 examples of 16 inputs drawn from a standard normal and 4 targets
from a fixed random two-layer tanh network plus noise. Generated (no licence needed);
re-running writes byte-identical files.

    python3 -m venv /tmp/np && /tmp/np/bin/pip install numpy==2.4.6
    /tmp/np/bin/python scripts/minibatch_data.py
"""
import pathlib

import numpy as np

out = pathlib.Path(__file__).resolve().parent.parent / "examples" / "data" / "minibatch"
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(12)
n, d_in, hidden, d_out = 1000, 16, 32, 4
x = rng.standard_normal((n, d_in)).astype(np.float32)
w1 = rng.standard_normal((d_in, hidden)) / np.sqrt(d_in)
w2 = rng.standard_normal((hidden, d_out)) / np.sqrt(hidden)
y = (np.tanh(x @ w1) @ w2 + 0.05 * rng.standard_normal((n, d_out))).astype(np.float32)
np.save(out / "x.npy", x)
np.save(out / "y.npy", y)
print("x", x.shape, "y", y.shape)
