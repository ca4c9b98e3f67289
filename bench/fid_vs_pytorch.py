#!/usr/bin/env python3
# fid_vs_pytorch.py: side-by-side CPU benchmark of the FID pieces. Run by hand, not in CI (needs
# torch + scipy: Debian's /usr/bin/python3):
#   /usr/bin/python3 bench/fid_vs_pytorch.py --lfgen build/lfgen --weights inception.safetensors \
#       [--batch 8] [--images 32] [--size 299] [--threads 2] [--fd-dim 2048] [--json OUT.json]
# 1. Feature extraction, images/s: `lfgen features --device cpu` (C++ CPU backend: im2col + OpenBLAS
#    SGEMM convs) against the PyTorch reference (tools/reference/fid_reference.py: pytorch-fid's
#    graph on torch's own CPU conv kernels, oneDNN) on the same random images, batch size and thread
#    count. lfgen runs twice (one batch, then --images images) and images/s = (extra images) / (extra
#    wall time), so process start and model load cancel out; PyTorch loads once, runs one warm-up
#    batch, then times --images images. OPENBLAS_NUM_THREADS / OMP_NUM_THREADS = --threads for
#    lfgen, torch.set_num_threads(--threads) for PyTorch (OPENBLAS_CORETYPE passes through
#    untouched). CPU seconds per image (user + sys) are reported too: wall time suffers when other
#    jobs share the host (see load_average_1min). The features are compared (max relative error).
# 2. Fréchet distance of two d-dimensional statistics (default 2048, from 3000 correlated random
#    samples each): `lfgen fid A.npz B.npz --device cpu --json` (Cholesky + two-stage symmetric
#    eigenvalues) against pytorch-fid's calculate_frechet_distance (scipy.linalg.sqrtm of S1 S2),
#    both at --threads BLAS threads, both as fresh processes reading the same .npz files, --fd-repeat
#    times each. Two ratios of medians: compute (the distance from statistics in memory: lfgen's
#    reported frechet_seconds vs a timer around the scipy function) and process (whole runs).
# --weights: any FID InceptionV3 safetensors (tools/convert.py inception ..., or the random one
# tests/fid/make_fid_cli_inputs writes); speed does not depend on the values.
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.dont_write_bytecode = True
REPO_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO_DIR, "tools", "reference"))
from bench_common import run_timed, thread_env, write_report  # noqa: E402


def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def bench_features(a, tmp, env):
    import torch
    import fid_reference as ref
    rng = np.random.RandomState(0)
    x = rng.rand(a.images, 3, a.size, a.size).astype(np.float32)
    x_one = x[:a.batch]
    p_all, p_one = os.path.join(tmp, "x_all.npy"), os.path.join(tmp, "x_one.npy")
    np.save(p_all, x)
    np.save(p_one, x_one)
    f_out = os.path.join(tmp, "f.npy")
    base = [a.lfgen, "features", "--device", "cpu", "--inception", a.weights, "--batch", str(a.batch), "--npy", f_out]
    t1, c1 = run_timed(base + ["--images", p_one], env)
    tn, cn = run_timed(base + ["--images", p_all], env)
    extra = a.images - a.batch
    lf_ips, lf_cpu = extra / (tn - t1), (cn - c1) / extra
    lf_feat = np.load(f_out)

    torch.set_num_threads(a.threads)
    net = ref.FidInceptionV3(ref.load_state_dict(a.weights))
    net(torch.from_numpy(x_one))  # warm-up
    feats = []
    c0, t0 = self_cpu(), time.perf_counter()
    for b in range(0, a.images, a.batch):
        feats.append(net(torch.from_numpy(x[b:b + a.batch]))[-1].squeeze(3).squeeze(2).numpy())
    pt_time, pt_cpu = time.perf_counter() - t0, self_cpu() - c0
    pt_feat = np.concatenate(feats)
    pt_ips, pt_cpu_img = a.images / pt_time, pt_cpu / a.images
    rel = float(np.abs(lf_feat - pt_feat).max() / np.abs(pt_feat).max())
    return {"lfgen_images_per_s": lf_ips, "pytorch_images_per_s": pt_ips, "speedup_wall": lf_ips / pt_ips,
            "lfgen_cpu_s_per_image": lf_cpu, "pytorch_cpu_s_per_image": pt_cpu_img,
            "speedup_cpu": pt_cpu_img / lf_cpu, "max_rel_feature_difference": rel}


SCIPY_FD = r"""
import sys, time, numpy as np
sys.path.insert(0, sys.argv[3])
import fid_reference as ref
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
t0 = time.perf_counter()
v = ref.frechet_distance_scipy(a['mu'], a['sigma'], b['mu'], b['sigma'])
print(repr(float(v)), time.perf_counter() - t0)
"""


def bench_fd(a, tmp, env):
    rng = np.random.RandomState(1)
    d, n = a.fd_dim, a.fd_samples
    paths = []
    for k in range(2):
        z = rng.randn(n, d)
        x = z + 0.5 * np.roll(z, 1, axis=1) + 0.1 * k
        p = os.path.join(tmp, f"stats{k}.npz")
        np.savez(p, mu=x.mean(0), sigma=np.cov(x, rowvar=False))
        paths.append(p)
    lf_cmd = [a.lfgen, "fid", "--device", "cpu", "--json"] + paths
    runs = []
    for _ in range(a.fd_repeat):
        t0 = time.perf_counter()
        out = subprocess.run(lf_cmd, env=env, check=True, capture_output=True, text=True).stdout
        runs.append((time.perf_counter() - t0, json.loads(out)))
    sp_runs = []
    for _ in range(a.fd_repeat):
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", SCIPY_FD, paths[0], paths[1],
                              os.path.join(REPO_DIR, "tools", "reference")],
                             env=env, check=True, capture_output=True, text=True).stdout.split()
        sp_runs.append((time.perf_counter() - t0, float(res[1]), float(res[0])))
    lf_process = [r[0] for r in runs]
    lf_compute = [r[1]["frechet_seconds"] for r in runs]
    sp_process = [r[0] for r in sp_runs]
    sp_compute = [r[1] for r in sp_runs]
    lf_value, sp_value = runs[0][1]["fid"], sp_runs[0][2]
    # Same scope on both sides: compute = the distance from statistics already in memory
    # (lfgen's "frechet_seconds", scipy's timer around calculate_frechet_distance); process = a
    # fresh process reading both .npz files. Medians over --fd-repeat runs.
    med = lambda v: float(np.median(v))  # noqa: E731
    return {"d": d, "samples": n, "repeats": a.fd_repeat,
            "lfgen_compute_s": lf_compute, "scipy_compute_s": sp_compute,
            "lfgen_process_s": lf_process, "scipy_process_s": sp_process,
            "speedup_compute": med(sp_compute) / med(lf_compute),
            "speedup_process": med(sp_process) / med(lf_process),
            "lfgen_value": lf_value, "scipy_value": sp_value,
            "relative_difference": abs(lf_value - sp_value) / abs(sp_value)}


def main():
    ap = argparse.ArgumentParser(description="lfgen FID vs PyTorch / scipy on the CPU")
    ap.add_argument("--lfgen", default=os.path.join(REPO_DIR, "build", "lfgen"))
    ap.add_argument("--weights", required=True)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--images", type=int, default=32)
    ap.add_argument("--size", type=int, default=299)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fd-dim", type=int, default=2048)
    ap.add_argument("--fd-samples", type=int, default=3000)
    ap.add_argument("--fd-repeat", type=int, default=3)
    ap.add_argument("--skip", choices=["features", "fd"], default=None)
    ap.add_argument("--json")
    a = ap.parse_args()
    env = thread_env(a.threads)
    result = {"host": platform.node(), "cpu_count": os.cpu_count(), "threads": a.threads,
              "load_average_1min": os.getloadavg()[0], "batch": a.batch, "images": a.images, "size": a.size}
    with tempfile.TemporaryDirectory() as tmp:
        if a.skip != "features":
            result["features"] = bench_features(a, tmp, env)
        if a.skip != "fd":
            result["frechet_distance"] = bench_fd(a, tmp, env)
    result["load_average_1min_after"] = os.getloadavg()[0]
    write_report(result, a.json)


if __name__ == "__main__":
    main()
