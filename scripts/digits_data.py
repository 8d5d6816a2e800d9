"""Writes examples/data/digits/: scikit-learn's copy of the UCI "Optical Recognition of
Handwritten Digits" test set (1,797 images of 8x8 pixels, values 0..16, 10 classes), split
once into a fixed train/test pair, as .npy files that typetensor reads without Python.

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn==1.9.1 numpy==2.4.6
    /tmp/skl/bin/python scripts/digits_data.py

The split is stratified and seeded (random_state=0), so re-running writes identical files.
"""
import pathlib

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

out = pathlib.Path(__file__).resolve().parent.parent / "examples" / "data" / "digits"
out.mkdir(parents=True, exist_ok=True)

digits = load_digits()
x = digits.data.astype(np.float32)  # (1797, 64), pixel intensities 0..16
y = digits.target.astype(np.int64)  # (1797,), classes 0..9
x_train, x_test, y_train, y_test = train_test_split(
    x, y, test_size=360, random_state=0, stratify=y
)
for name, arr in [
    ("train_x", x_train),
    ("train_y", y_train),
    ("test_x", x_test),
    ("test_y", y_test),
]:
    np.save(out / f"{name}.npy", np.ascontiguousarray(arr))
    print(name, arr.shape, arr.dtype)
