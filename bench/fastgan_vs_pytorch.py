#!/usr/bin/env python3
# fastgan_vs_pytorch.py: side-by-side CPU benchmark of `lfgen generate` (the C++ CPU backend) and the
# PyTorch reference forward (tools/reference/fastgan_reference.py: upstream models.py modules on
# PyTorch's own CPU conv kernels) on the same random-weight, official-size FastGAN generator (written
# once by `lfgen init fastgan`; ngf 64, nz 256 as train.py), the same seeds, batch size, eval-mode
# BatchNorm, noise none and thread count. Run by hand, not in CI (needs torch):
#   /usr/bin/python3 bench/fastgan_vs_pytorch.py --im-size 512 --batch 4 --images 16 --threads 2 \
#       --json /tmp/lf-bench/fastgan512.json
# Timing: lfgen is a separate process, so it runs twice (one batch, then --images images) and
# images/s = (extra images) / (extra wall time): model load and process start cancel out. The
# PyTorch side loads the model once, runs one warm-up batch, then times --images images.
# Threads: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS = --threads for lfgen, torch.set_num_threads
# (--threads) for PyTorch (OPENBLAS_CORETYPE is passed through untouched). Wall time suffers when
# other jobs share the host, so CPU seconds (user + sys) per image are reported too, with the 1-minute
# load average before and after. Both sides' images are compared (max |diff| / max |pytorch|).
import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.dont_write_bytecode = True
REPO_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO_DIR, "tools", "reference"))
import fastgan_reference as ref  # noqa: E402
from bench_common import run_timed, thread_env, write_report  # noqa: E402


def ensure_model(lfgen, im_size, ngf, nz, cache):
    path = os.path.join(cache, f"fastgan{im_size}_ngf{ngf}_nz{nz}.safetensors")
    if not os.path.exists(path):
        print(f"writing random-weight FastGAN {im_size} (ngf {ngf}, nz {nz}) to {path} ...", flush=True)
        subprocess.run([lfgen, "init", "fastgan", "--im-size", str(im_size), "--ngf", str(ngf), "--nz", str(nz),
                        "--seed", "0", "-o", path], check=True)
    return path


def run_lfgen(lfgen, model, n, batch, threads, out):
    cmd = [lfgen, "generate", "-m", model, "--seeds", f"0-{n - 1}", "--batch", str(batch), "--device", "cpu",
           "--bn", "eval", "--noise", "none", "--npy", out]
    wall, cpu = run_timed(cmd, thread_env(threads), stderr=subprocess.PIPE)
    return wall, cpu, " ".join(cmd)


def bench(args):
    model = ensure_model(args.lfgen, args.im_size, args.ngf, args.nz, args.cache)
    n, batch = args.images, args.batch
    if n <= batch or n % batch:
        raise SystemExit(f"--images ({n}) must be a multiple of --batch ({batch}) larger than it")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=args.cache) as tmp:
        out0, out1 = os.path.join(tmp, "short.npy"), os.path.join(tmp, "long.npy")
        t_short, c_short, _ = run_lfgen(args.lfgen, model, batch, batch, args.threads, out0)
        t_long, c_long, cmd = run_lfgen(args.lfgen, model, n, batch, args.threads, out1)
        lf_imgs = np.load(out1)
    lf_ips = (n - batch) / max(t_long - t_short, 1e-9)

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    m = ref.FastGANReference.load(model)
    t_load = time.perf_counter() - t0
    z = ref.seeds_to_z(range(n), args.nz)
    m.forward(z[:batch])  # warm-up (allocator, oneDNN primitive caches)
    t0, c0 = time.perf_counter(), time.process_time()
    pt_imgs = [m.forward(z[i:i + batch], bn="eval", noise="none")[0] for i in range(0, n, batch)]
    t_pt, c_pt = time.perf_counter() - t0, time.process_time() - c0
    pt_imgs = np.concatenate(pt_imgs)
    pt_ips = n / t_pt
    return {
        "model": f"fastgan im_size {args.im_size} ngf {args.ngf} nz {args.nz} (random weights, lfgen init seed 0)",
        "im_size": args.im_size, "batch": batch, "images": n, "threads": args.threads,
        "bn": "eval", "noise": "none",
        "lfgen_images_per_s": lf_ips, "pytorch_images_per_s": pt_ips, "ratio_lfgen_over_pytorch": lf_ips / pt_ips,
        "lfgen_s_per_image": 1 / lf_ips, "pytorch_s_per_image": 1 / pt_ips,
        "lfgen_wall_s": {"images_%d" % batch: t_short, "images_%d" % n: t_long},
        "pytorch_forward_s": t_pt, "pytorch_load_s": t_load,
        "lfgen_cpu_s_per_image": (c_long - c_short) / (n - batch), "pytorch_cpu_s_per_image": c_pt / n,
        "ratio_cpu_time_pytorch_over_lfgen": (c_pt / n) / max((c_long - c_short) / (n - batch), 1e-9),
        "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
        "max_rel_diff_lfgen_vs_pytorch": float(np.abs(lf_imgs.astype(np.float64) - pt_imgs).max()
                                               / max(np.abs(pt_imgs).max(), 1e-30)),
        "lfgen_command": cmd,
    }


def main():
    ap = argparse.ArgumentParser(description="lfgen vs PyTorch reference, FastGAN forward on the CPU")
    ap.add_argument("--im-size", type=int, default=512, choices=[256, 512, 1024])
    ap.add_argument("--ngf", type=int, default=64)
    ap.add_argument("--nz", type=int, default=256)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--images", type=int, default=16, help="images per timed run (a multiple of --batch)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="repeat the whole measurement, report each")
    ap.add_argument("--cache", default="/tmp/lf-bench", help="where the random-weight models are kept")
    ap.add_argument("--lfgen", default=os.path.join(REPO_DIR, "build", "lfgen"))
    ap.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = ap.parse_args()
    if not os.access(args.lfgen, os.X_OK):
        raise SystemExit(f"{args.lfgen} not found: build it with cmake --build build --target lfgen")
    os.makedirs(args.cache, exist_ok=True)
    results = [bench(args) for _ in range(args.repeat)]
    print(f"\n{'im':>5s} {'batch':>5s} {'thr':>3s} {'lfgen img/s':>12s} {'pytorch img/s':>14s} {'lfgen/pytorch':>13s} "
          f"{'cpu s/img lf':>12s} {'cpu s/img pt':>12s} {'load':>5s} {'max rel diff':>12s}")
    for r in results:
        print(f"{r['im_size']:5d} {r['batch']:5d} {r['threads']:3d} {r['lfgen_images_per_s']:12.3f} "
              f"{r['pytorch_images_per_s']:14.3f} {r['ratio_lfgen_over_pytorch']:13.3f} "
              f"{r['lfgen_cpu_s_per_image']:12.3f} {r['pytorch_cpu_s_per_image']:12.3f} "
              f"{r['load_average_1min']['before']:5.1f} {r['max_rel_diff_lfgen_vs_pytorch']:12.2e}")
    doc = {"benchmark": "fastgan_vs_pytorch", "host": platform.node(), "cpu_count": os.cpu_count(),
           "torch": torch.__version__, "results": results}
    write_report(doc, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
