# reference_common.py: what the PyTorch reference scripts share (stylegan2_reference.py,
# fastgan_reference.py): the seed syntax of `lfgen --seeds`, z as the official generate.py draws
# it, writing a latentfactor safetensors model, and the error metrics of the golden comparisons.
# Standard library + NumPy only.
import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # keep tools/lfconvert free of __pycache__
sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")))
from lfconvert import safetensors as st  # noqa: E402  (numpy-only safetensors reader/writer)


def parse_seeds(text):
    """"0-3,7" -> [0, 1, 2, 3, 7] (ranges inclusive, as lfgen --seeds)."""
    seeds = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds += list(range(int(a), int(b) + 1))
        else:
            seeds.append(int(part))
    return seeds


def seeds_to_z(seeds, z_dim):
    """One row per seed: np.random.RandomState(seed).randn(1, z_dim), float64 (generate.py)."""
    return np.concatenate([np.random.RandomState(s).randn(1, z_dim) for s in seeds])


def write_safetensors(path, tensors, meta):
    """Writes a model file, creating its folder."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    st.write(path, tensors, meta)


def f32(x):
    """x as a C-contiguous float32 array (what the golden .npy files hold)."""
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32))


def max_abs(a, b):
    """max |a - b| (the StyleGAN2 golden metric)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(a - b).max())


def max_rel(a, b):
    """max |a - b| / max |b| (the FastGAN fixture metric)."""
    return max_abs(a, b) / max(float(np.abs(np.asarray(b, dtype=np.float64)).max()), 1e-30)
