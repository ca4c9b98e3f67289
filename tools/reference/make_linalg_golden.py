#!/usr/bin/env python3
"""make_linalg_golden.py: writes tests/golden/linalg/*.npy, the scikit-learn / NumPy references of
the linalg tests (tests/linalg/test_linalg_golden.cpp). Run by hand (needs numpy, scikit-learn and
the repo's converted tiny StyleGAN2 weights/tiny/sg2_tiny32.safetensors):

    "$(tools/find_python.sh)" tools/reference/make_linalg_golden.py

Files (all small; total well under 2 MB):
  pca_x.npy [1500, 24] f64          a well-separated spectrum (stdevs 24..1) plus an offset
  pca_components.npy [8, 24]        sklearn PCA(8, svd_solver='full').components_
  pca_explained_variance.npy [8]    .explained_variance_
  pca_explained_variance_ratio.npy  .explained_variance_ratio_
  pca_mean.npy [24]                 .mean_
  ica_x.npy [4000, 8] f32           X = S A^T, S: 4 Laplace + 4 uniform sources (unit variance)
  ica_mixing_true.npy [8, 8]        A
  ica_sklearn_amari.npy [4]         Amari distance of sklearn FastICA(8, whiten='unit-variance',
                                    random_state=0, tol=1e-4, max_iter=200) components_ @ A for
                                    (parallel, logcosh), (parallel, exp), (parallel, cube),
                                    (deflation, logcosh)
  sefa_all_eigenvalues.npy [48]     SeFa of sg2_tiny32, layers 'all': NumPy eigh of G = A A^T with
  sefa_all_directions.npy [48, 48]  A = [W_i^T] column-normalized, sorted descending (rows = vectors)
  sefa_0_3_eigenvalues.npy, sefa_0_3_directions.npy   the same for layers 0-3
  cli_1d.npy [5] f32, cli_nan.npy [4, 3] f32 (NaN at row 2, column 1), cli_wide.npy [4, 6] f32
                                    inputs of the CLI error tests (tests/linalg/CMakeLists.txt)
"""
import json
import os
import struct
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "linalg")


def amari(p):
    p = np.abs(p)
    k = p.shape[0]
    rows = (p.sum(axis=1) / p.max(axis=1) - 1).sum()
    cols = (p.sum(axis=0) / p.max(axis=0) - 1).sum()
    return (rows + cols) / (2.0 * k * (k - 1))


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", (name, e["dtype"])
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[b:end], dtype="<f4").reshape(e["shape"])
    return out, header.get("__metadata__", {})


def sefa_layer_name(layer, num_ws, res):
    if layer == num_ws - 1:
        return f"synthesis.b{res}.torgb.affine.weight"
    if layer == 0:
        return "synthesis.b4.conv1.affine.weight"
    b = (layer + 1) // 2
    return f"synthesis.b{4 << b}.{'conv0' if layer % 2 == 1 else 'conv1'}.affine.weight"


def main():
    from sklearn.decomposition import PCA, FastICA

    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(20240607)

    # PCA: well-separated spectrum (ratios of consecutive stdevs >= 24/23).
    n, d = 1500, 24
    stdev = np.linspace(24.0, 1.0, d)
    q, _ = np.linalg.qr(rng.randn(d, d))
    x = (rng.randn(n, d) * stdev) @ q.T + 5.0
    pca = PCA(n_components=8, svd_solver="full").fit(x)
    np.save(os.path.join(OUT, "pca_x.npy"), x)
    np.save(os.path.join(OUT, "pca_components.npy"), pca.components_)
    np.save(os.path.join(OUT, "pca_explained_variance.npy"), pca.explained_variance_)
    np.save(os.path.join(OUT, "pca_explained_variance_ratio.npy"), pca.explained_variance_ratio_)
    np.save(os.path.join(OUT, "pca_mean.npy"), pca.mean_)

    # FastICA: 4 Laplace + 4 uniform sources, unit variance, random square mixing.
    n, k = 4000, 8
    s = np.c_[rng.laplace(size=(n, 4)) / np.sqrt(2.0), rng.uniform(-np.sqrt(3), np.sqrt(3), size=(n, 4))]
    a = rng.randn(k, k)
    x = (s @ a.T).astype(np.float32)
    np.save(os.path.join(OUT, "ica_x.npy"), x)
    np.save(os.path.join(OUT, "ica_mixing_true.npy"), a)
    dists = []
    for algorithm, fun in [("parallel", "logcosh"), ("parallel", "exp"), ("parallel", "cube"), ("deflation", "logcosh")]:
        ica = FastICA(n_components=k, algorithm=algorithm, fun=fun, whiten="unit-variance", random_state=0,
                      tol=1e-4, max_iter=200)
        ica.fit(x)
        dists.append(amari(ica.components_.astype(np.float64) @ a))
        print(f"sklearn FastICA {algorithm}/{fun}: {ica.n_iter_} iterations, Amari {dists[-1]:.6f}")
    np.save(os.path.join(OUT, "ica_sklearn_amari.npy"), np.array(dists))

    # SeFa on the committed tiny StyleGAN2 (converted sg2_tiny32.pkl).
    tensors, _ = read_safetensors(os.path.join(ROOT, "weights", "tiny", "sg2_tiny32.safetensors"))
    res = 32
    num_ws = 2 * int(np.log2(res)) - 2
    for tag, layers in [("all", list(range(num_ws))), ("0_3", [0, 1, 2, 3])]:
        w = np.concatenate([tensors[sefa_layer_name(i, num_ws, res)] for i in layers], axis=0).T  # [w_dim, sum C]
        w = w / np.linalg.norm(w, axis=0, keepdims=True)
        g = w.astype(np.float64) @ w.T.astype(np.float64)
        vals, vecs = np.linalg.eigh(g)
        order = np.argsort(vals)[::-1]
        np.save(os.path.join(OUT, f"sefa_{tag}_eigenvalues.npy"), vals[order])
        np.save(os.path.join(OUT, f"sefa_{tag}_directions.npy"), vecs[:, order].T)
        print(f"SeFa {tag}: {w.shape[1]} rows, top eigenvalues {vals[order][:3]}")
    np.save(os.path.join(OUT, "cli_1d.npy"), np.arange(5, dtype=np.float32))
    bad = np.arange(12, dtype=np.float32).reshape(4, 3)
    bad[2, 1] = np.nan
    np.save(os.path.join(OUT, "cli_nan.npy"), bad)
    np.save(os.path.join(OUT, "cli_wide.npy"), np.random.RandomState(5).randn(4, 6).astype(np.float32))
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {OUT} ({total} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
