#!/usr/bin/env python3
# stylegan2_vs_pytorch.py: side-by-side CPU benchmark of `lfgen generate` (the C++ CPU backend) and
# the PyTorch reference forward (tools/reference/stylegan2_reference.py: the official op sequence on
# PyTorch's own CPU conv/GEMM kernels) on the same random-weight, official-size StyleGAN2 models, the
# same seeds, batch size, noise mode and thread count. Run by hand, not in CI (needs torch):
#   /usr/bin/python3 bench/stylegan2_vs_pytorch.py --models paper256 --batch 4 --images 16 --threads 2 \
#       --json /tmp/lf-bench/paper256.json
# Models (written once to --cache, default /tmp/lf-bench, by stylegan2_reference.init_random):
#   paper256  train.py --cfg=paper256: z=w=512, 8 mapping layers, 256x256, channel_base 16384,
#             channel_max 512, num_fp16_res 4, conv_clamp 256 (both backends run every block in
#             float32 on the CPU, as force_fp32; the clamp applies)
#   configF   config-F 1024x1024 (the converted FFHQ pkl): channel_base 32768, channel_max 512,
#             8 mapping layers, num_fp16_res 0, conv_clamp None
# Timing: lfgen is a separate process, so it runs twice (one batch, then --images images) and
# images/s = (extra images) / (extra wall time): model load and process start cancel out. The
# PyTorch side loads the model once, runs one warm-up batch, then times --images images. Both use
# noise_mode const, truncation 1. OPENBLAS_NUM_THREADS / OMP_NUM_THREADS = --threads for lfgen,
# torch.set_num_threads(--threads) for PyTorch (OPENBLAS_CORETYPE is passed through untouched).
# Also reported: CPU seconds (user+sys) per image of each side, since wall time suffers when other
# jobs share the host (check load_average_1min). The images of both are compared (max abs
# difference) as a sanity check.
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
import stylegan2_reference as ref  # noqa: E402
from bench_common import run_timed, thread_env, write_report  # noqa: E402

MODELS = {
    "paper256": {"z_dim": 512, "c_dim": 0, "w_dim": 512, "img_resolution": 256, "img_channels": 3,
                 "mapping_kwargs": {"num_layers": 8},
                 "synthesis_kwargs": {"channel_base": 16384, "channel_max": 512, "num_fp16_res": 4,
                                      "conv_clamp": 256, "architecture": "skip"}},
    "configF": {"z_dim": 512, "c_dim": 0, "w_dim": 512, "img_resolution": 1024, "img_channels": 3,
                "mapping_kwargs": {"num_layers": 8},
                "synthesis_kwargs": {"channel_base": 32768, "channel_max": 512, "num_fp16_res": 0,
                                     "conv_clamp": None, "architecture": "skip"}},
}


def ensure_model(name, cache):
    path = os.path.join(cache, f"{name}.safetensors")
    if not os.path.exists(path):
        print(f"writing random-weight {name} model to {path} ...", flush=True)
        tensors = ref.init_random(MODELS[name], seed=0)
        ref.write_model(path, tensors, MODELS[name],
                        {"generator": "bench/stylegan2_vs_pytorch.py (random weights, seed 0)"})
    return path


def run_lfgen(lfgen, model, n, batch, threads, out):
    cmd = [lfgen, "generate", "-m", model, "--seeds", f"0-{n - 1}", "--batch", str(batch), "--device", "cpu",
           "--noise", "const", "--npy", out]
    wall, cpu = run_timed(cmd, thread_env(threads), stderr=subprocess.PIPE)
    return wall, cpu, " ".join(cmd)


def bench_model(name, args):
    model = ensure_model(name, args.cache)
    n, batch = args.images, args.batch
    n0 = batch  # the short run: one batch
    if n <= n0:
        raise SystemExit(f"--images ({n}) must exceed --batch ({batch}) for the two-run difference")
    with tempfile.TemporaryDirectory(dir=args.cache) as tmp:
        out0, out1 = os.path.join(tmp, "short.npy"), os.path.join(tmp, "long.npy")
        t_short, c_short, _ = run_lfgen(args.lfgen, model, n0, batch, args.threads, out0)
        t_long, c_long, cmd = run_lfgen(args.lfgen, model, n, batch, args.threads, out1)
        lf_imgs = np.load(out1)
    lf_ips = (n - n0) / max(t_long - t_short, 1e-9)

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    m = ref.StyleGAN2Reference.load(model)
    t_load = time.perf_counter() - t0
    z = ref.seeds_to_z(range(n), m.cfg.z_dim)
    m(z[:batch], noise_mode="const")  # warm-up (allocator, oneDNN primitive caches)
    t0, c0 = time.perf_counter(), time.process_time()
    pt_imgs = [m(z[i:i + batch], noise_mode="const").numpy() for i in range(0, n, batch)]
    t_pt, c_pt = time.perf_counter() - t0, time.process_time() - c0
    pt_imgs = np.concatenate(pt_imgs)
    pt_ips = n / t_pt
    return {
        "model": name, "config": MODELS[name], "batch": batch, "images": n, "threads": args.threads,
        "lfgen_images_per_s": lf_ips, "pytorch_images_per_s": pt_ips, "ratio_lfgen_over_pytorch": lf_ips / pt_ips,
        "lfgen_s_per_image": 1 / lf_ips, "pytorch_s_per_image": 1 / pt_ips,
        "lfgen_wall_s": {"images_%d" % n0: t_short, "images_%d" % n: t_long},
        "pytorch_forward_s": t_pt, "pytorch_load_s": t_load,
        # CPU seconds (user + sys) per image: less sensitive than wall time to other load on the host
        "lfgen_cpu_s_per_image": (c_long - c_short) / (n - n0), "pytorch_cpu_s_per_image": c_pt / n,
        "load_average_1min": os.getloadavg()[0],
        "max_abs_diff_lfgen_vs_pytorch": float(np.abs(lf_imgs.astype(np.float64) - pt_imgs).max()),
        "lfgen_command": cmd,
    }


def main():
    ap = argparse.ArgumentParser(description="lfgen vs PyTorch reference, StyleGAN2 forward on the CPU")
    ap.add_argument("--models", default="paper256", help="comma list of: " + ", ".join(MODELS))
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--images", type=int, default=16, help="images per timed run (a multiple of --batch)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default="/tmp/lf-bench", help="where the random-weight models are kept")
    ap.add_argument("--lfgen", default=os.path.join(REPO_DIR, "build", "lfgen"))
    ap.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = ap.parse_args()
    if not os.access(args.lfgen, os.X_OK):
        raise SystemExit(f"{args.lfgen} not found: build it with cmake --build build --target lfgen")
    os.makedirs(args.cache, exist_ok=True)
    results = [bench_model(name, args) for name in args.models.split(",")]
    print(f"\n{'model':10s} {'batch':>5s} {'thr':>3s} {'lfgen img/s':>12s} {'pytorch img/s':>14s} "
          f"{'lfgen/pytorch':>13s} {'cpu s/img lf':>12s} {'cpu s/img pt':>12s} {'max|diff|':>10s}")
    for r in results:
        print(f"{r['model']:10s} {r['batch']:5d} {r['threads']:3d} {r['lfgen_images_per_s']:12.3f} "
              f"{r['pytorch_images_per_s']:14.3f} {r['ratio_lfgen_over_pytorch']:13.3f} "
              f"{r['lfgen_cpu_s_per_image']:12.3f} {r['pytorch_cpu_s_per_image']:12.3f} "
              f"{r['max_abs_diff_lfgen_vs_pytorch']:10.2e}")
    doc = {"benchmark": "stylegan2_vs_pytorch", "host": platform.node(), "cpu_count": os.cpu_count(),
           "torch": torch.__version__, "results": results}
    write_report(doc, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
