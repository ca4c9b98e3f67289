#!/usr/bin/env python3
"""factorize_vs_sklearn.py: times `lfgen factorize` against scikit-learn on the same data, the same
settings and the same thread count, and prints the ratios (a table, then one JSON object).

Run by hand (not in CI; needs numpy, scikit-learn, threadpoolctl):

    "$(tools/find_python.sh)" bench/factorize_vs_sklearn.py --lfgen build/lfgen --threads 2 [--cases ica,rpca,pca]

Cases (issue 7):
  ica   100,000 x 512 float32 -> FastICA k=100: 100 Laplace sources (stdev 3) + 412 Gaussian (stdev 1),
        mixed by a random 512 x 512 matrix. Both: whiten='unit-variance', fun='logcosh', tol=1e-4,
        max_iter=200, random_state/seed 0 (identical w_init). sklearn is timed with its default
        whiten_solver='svd' and with 'eigh'.
  rpca  10,000 x 16,384 float32 -> PCA k=200: rank-400 signal with a power-law spectrum plus noise.
        sklearn PCA(200) (svd_solver='auto' -> randomized, n_iter=7, 10 oversamples) against
        `lfgen factorize --randomized` (block Krylov, 2 iterations, 10 oversamples). Accuracy is
        reported as the captured variance (sum of explained_variance_; higher is better, both are
        lower bounds of the exact top-200 sum) and the largest principal angle between the top 20.
  pca   100,000 x 512 float32 -> exact PCA k=500: sklearn PCA(500) ('auto' -> full SVD) against
        `lfgen factorize` (float64 covariance + dsyevr). Ratios and principal angles reported.
Times are wall-clock of a whole process on each side: lfgen (load + fit + write) and a Python
process doing np.load + fit; the fit-only times are reported too. Data files are cached in --workdir.
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are left as the environment has them, for both sides.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SKLEARN_RUNNER = r"""
import json, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
cfg = json.loads(sys.argv[1])
t0 = time.perf_counter()
x = np.load(cfg["data"])
t1 = time.perf_counter()
with threadpool_limits(cfg["threads"]):
    if cfg["case"] == "ica":
        from sklearn.decomposition import FastICA
        m = FastICA(n_components=cfg["k"], whiten="unit-variance", whiten_solver=cfg["solver"], fun="logcosh",
                    tol=1e-4, max_iter=200, random_state=0).fit(x)
        out = {"iterations": int(m.n_iter_)}
        np.save(cfg["out"], m.components_)
    else:
        from sklearn.decomposition import PCA
        m = PCA(n_components=cfg["k"]).fit(x)
        out = {"solver": m._fit_svd_solver, "explained_variance": m.explained_variance_.tolist()}
        np.save(cfg["out"], m.components_)
t2 = time.perf_counter()
out.update({"load": t1 - t0, "fit": t2 - t1})
print(json.dumps(out))
"""


def make_data(case, path):
    if os.path.exists(path):
        return
    rng = np.random.RandomState(0)
    if case == "ica":
        n, d, k = 100_000, 512, 100
        s = np.empty((n, d), dtype=np.float32)
        s[:, :k] = rng.laplace(size=(n, k)) * (3.0 / np.sqrt(2.0))
        s[:, k:] = rng.randn(n, d - k)
        x = s @ rng.randn(d, d).astype(np.float32)
    elif case == "rpca":
        n, d, r = 10_000, 16_384, 400
        spec = (np.arange(1, r + 1) ** -0.7).astype(np.float32) * 30
        x = (rng.randn(n, r).astype(np.float32) * spec) @ (rng.randn(r, d).astype(np.float32) / np.sqrt(d))
        x += 0.05 * rng.randn(n, d).astype(np.float32)
    else:
        n, d = 100_000, 512
        spec = np.linspace(10.0, 0.5, d).astype(np.float32)
        x = (rng.randn(n, d).astype(np.float32) * spec) @ np.linalg.qr(rng.randn(d, d))[0].astype(np.float32) + 1.0
    np.save(path, np.ascontiguousarray(x, dtype=np.float32))


def principal_angle(a, b):
    qa = np.linalg.qr(a.T.astype(np.float64))[0]
    qb = np.linalg.qr(b.T.astype(np.float64))[0]
    s = np.linalg.svd(qa.T @ qb, compute_uv=False)
    return float(np.arccos(np.clip(s.min(), -1, 1)))


def read_directions(path):
    import struct
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dt = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}[e["dtype"]]
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[b:end], dtype=dt).reshape(e["shape"])
    return out, header.get("__metadata__", {})


def run_lfgen(args, case, data, out):
    cmd = [args.lfgen, "factorize", "--data", data, "--threads", str(args.threads), "--json", "-o", out, "--device", "cpu"]
    if case == "ica":
        cmd += ["--method", "ica", "-k", "100", "--seed", "0", "--tol", "1e-4", "--max-iter", "200"]
    elif case == "rpca":
        cmd += ["--method", "pca", "-k", "200", "--randomized"]
    else:
        cmd += ["--method", "pca", "-k", "500"]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        sys.exit(f"lfgen failed: {res.stderr.strip()}")
    return wall, json.loads(res.stdout), " ".join(cmd)


def run_sklearn(args, case, data, out, solver="svd"):
    k = {"ica": 100, "rpca": 200, "pca": 500}[case]
    cfg = json.dumps({"case": case, "data": data, "k": k, "threads": args.threads, "solver": solver, "out": out})
    env = os.environ.copy()
    env.update({"OMP_NUM_THREADS": str(args.threads), "OPENBLAS_NUM_THREADS": str(args.threads)})
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", SKLEARN_RUNNER, cfg], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        sys.exit(f"sklearn failed: {res.stderr.strip()[-2000:]}")
    return wall, json.loads(res.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lfgen", default="build/lfgen")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cases", default="ica,rpca,pca")
    p.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "lf_factorize_bench"))
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    results = {"threads": args.threads, "load_average": os.getloadavg(), "cases": {}}
    for case in args.cases.split(","):
        data = os.path.join(args.workdir, f"{case}.npy")
        make_data(case, data)
        out = os.path.join(args.workdir, f"{case}.safetensors")
        lf_wall, lf_json, cmd = run_lfgen(args, case, data, out)
        ours, _ = read_directions(out)
        r = {"command": cmd, "lfgen_wall_s": lf_wall, "lfgen_fit_s": lf_json["seconds"]["fit"]}
        solvers = ["svd", "eigh"] if case == "ica" else ["default"]
        for solver in solvers:
            sk_out = os.path.join(args.workdir, f"{case}_sklearn_{solver}.npy")
            sk_wall, sk_json = run_sklearn(args, case, data, sk_out, solver if case == "ica" else "svd")
            tag = f"sklearn_{solver}"
            r[f"{tag}_wall_s"] = sk_wall
            r[f"{tag}_fit_s"] = sk_json["fit"]
            r[f"ratio_wall_{solver}"] = sk_wall / lf_wall
            r[f"ratio_fit_{solver}"] = sk_json["fit"] / lf_json["seconds"]["fit"]
            if case == "ica":
                r[f"{tag}_iterations"] = sk_json["iterations"]
            else:
                sk_comp = np.load(sk_out)
                m = min(20, sk_comp.shape[0])
                r["max_angle_top20_rad"] = principal_angle(ours["directions"][:m], sk_comp[:m])
                r["captured_variance_lfgen"] = float(np.sum(ours["explained_variance"]))
                r["captured_variance_sklearn"] = float(np.sum(sk_json["explained_variance"]))
                r["sklearn_solver"] = sk_json["solver"]
        if case == "ica":
            r["lfgen_iterations"] = lf_json["iterations"]
            r["lfgen_converged"] = lf_json["converged"]
        results["cases"][case] = r
        print(f"{case:5s} lfgen {lf_wall:8.2f} s wall ({lf_json['seconds']['fit']:.2f} s fit) | " +
              " | ".join(f"sklearn[{s}] {r[f'sklearn_{s}_wall_s']:8.2f} s wall, ratio {r[f'ratio_wall_{s}']:.1f}x "
                         f"(fit {r[f'ratio_fit_{s}']:.1f}x)" for s in solvers), flush=True)
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
