#!/usr/bin/env python3
# make_shapes_golden.py: writes the golden set of the demo dataset's factor estimators
# (tools/lfgen/factor_estimators.*, checked by tests/golden/test_shape_factors_golden.cpp) into
# tests/golden/shapes/, rendered by tools/train_demo/shapes.py's render():
#   images.npy      [36, 3, 64, 64] '<f2': one shape each, 12 per class (shape = i % 3)
#   factors.npy     [36, 7] '<f8': the rendered factors in shapes.FACTOR_NAMES order (shape, x, y,
#                   scale, rotation, hue, background); the rotation is the rendered angle, in [0, pi/2)
#   two_shapes.npy  [2, 3, 64, 64] '<f2': two shapes on one background (same hue; red and green,
#                   which have the same colour distance from the grey)
# Factors are uniform over shapes.py's ranges (NumPy RandomState(2024)); images 0-2 take the
# smallest scale, 3-5 the largest. Pixels are rounded to 8 bits as lfgen's evaluation sees them
# (the StyleGAN2 uint8 convention on render * 2 - 1 is floor(255 x + 0.5)), then stored as float16
# (within 1.3e-4 of k / 255) to keep the set under 1 MB.
# Run by hand with Debian's python3 (needs torch for shapes.py):
#   /usr/bin/python3 tools/reference/make_shapes_golden.py
import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "train_demo"))
import shapes  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "tests", "golden", "shapes")
COUNT = 36
SEED = 2024


def to_8bit_f16(images):
    """float32 [N, 3, H, W] in [0, 1] -> the 8-bit levels as float16."""
    return (np.floor(images.astype(np.float64) * 255 + 0.5).clip(0, 255) / 255).astype("<f2")


def random_factors(n, seed):
    rs = np.random.RandomState(seed)
    f = {
        "shape": np.arange(n) % 3,
        "x": rs.uniform(*shapes.CENTER_RANGE, n),
        "y": rs.uniform(*shapes.CENTER_RANGE, n),
        "scale": rs.uniform(*shapes.RADIUS_RANGE, n),
        "rotation": rs.uniform(*shapes.ROTATION_RANGE, n),
        "hue": rs.uniform(*shapes.HUE_RANGE, n),
        "background": rs.uniform(*shapes.BACKGROUND_RANGE, n),
    }
    f["scale"][0:3] = shapes.RADIUS_RANGE[0]
    f["scale"][3:6] = shapes.RADIUS_RANGE[1]
    return f


def render(f):
    t = {k: torch.tensor(v, dtype=torch.int64 if k == "shape" else torch.float64) for k, v in f.items()}
    return shapes.render(t).numpy()


def two_shapes():
    """Two shapes per image on one background: their differences from it add up (no overlap)."""
    bg = np.array([0.25, 0.3])
    first = {"shape": np.array([0, 2]), "x": np.array([18.0, 20.0]), "y": np.array([20.0, 40.0]),
             "scale": np.array([6.0, 7.0]), "rotation": np.array([0.0, 0.3]), "hue": np.array([0.6, 0.0]),
             "background": bg}
    second = {"shape": np.array([1, 0]), "x": np.array([44.0, 44.0]), "y": np.array([42.0, 22.0]),
              "scale": np.array([6.0, 7.0]), "rotation": np.array([0.4, 0.0]), "hue": np.array([0.6, 1 / 3]),
              "background": bg}
    a, b = render(first), render(second)
    return a + b - bg[:, None, None, None]


def main():
    os.makedirs(OUT, exist_ok=True)
    f = random_factors(COUNT, SEED)
    table = np.stack([f[name].astype(np.float64) for name in shapes.FACTOR_NAMES], axis=1)  # [N, 7]
    np.save(os.path.join(OUT, "images.npy"), to_8bit_f16(render(f)))
    np.save(os.path.join(OUT, "factors.npy"), table.astype("<f8"))
    np.save(os.path.join(OUT, "two_shapes.npy"), to_8bit_f16(two_shapes().astype(np.float32)))
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {os.path.normpath(OUT)} ({total} bytes)")


if __name__ == "__main__":
    main()
