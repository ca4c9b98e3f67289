#!/usr/bin/env python3
# make_converter_golden.py: writes tests/golden/converter_checksums.json, the expected output of
# tools/convert.py for each official-format fixture in ../shared/fixtures, computed on the PyTorch
# side only (never with the converter's own reader): per tensor name, shape, dtype, float64 sum, sum of
# squares and sum of |x|, and the SHA-256 of the little-endian C-order bytes, plus the expected
# metadata. Needs PyTorch; run by hand, never in CI:
#   "$(tools/find_python.sh)" tools/reference/make_converter_golden.py [--fixtures DIR]
#       [--stylegan2-ada-pytorch DIR]
# StyleGAN2: by default the pickle is read with torch's own unpickler and tensor rebuilders, the
# persistent classes mapped to plain torch.nn.Module objects (state restored, embedded code NOT run),
# then torch's Module.state_dict(). With --stylegan2-ada-pytorch DIR (a checkout providing torch_utils
# and dnnlib) it uses the official pickle.load instead, which EXECUTES the source embedded in the
# pickle: only for trusted files. FastGAN: torch.load, spectral norm folded with torch's eval-mode
# formula (sigma = dot(u, mv(W_mat, v)) in float32, W_mat with dim=1 for ConvTranspose2d), g_ema
# mapped onto G.named_parameters() order. Inception: torch.load.
import argparse
import collections
import hashlib
import json
import os
import pickle
import sys

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "golden", "converter_checksums.json")
ST_DTYPE = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("float64"): "F64",
            np.dtype("int64"): "I64"}
COMMON_META = ["format", "format_version", "architecture", "config", "source_file", "source_sha256",
               "converter"]
META_KEYS = {
    "stylegan2": COMMON_META + ["net", "config_resolved", "num_ws", "persistence_version",
                                "source_module_sha256"],
    "fastgan": COMMON_META + ["weights", "im_size", "ngf", "nz", "nc", "folded", "module_prefix_stripped",
                              "batchnorm", "container"],
    "inception": COMMON_META + ["batchnorm", "container"],
}
SN_BUFFERS = (".weight_u", ".weight_v", ".running_mean", ".running_var", ".num_batches_tracked")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def checksum(t, folded=False):
    a = t.detach().cpu().contiguous().numpy()
    a = np.array(a, dtype=a.dtype.newbyteorder("<"), order="C")
    d = a.astype(np.float64)
    rec = {"shape": list(a.shape), "dtype": ST_DTYPE[a.dtype.newbyteorder("=")],
           "sum": float(d.sum()), "sum_sq": float((d * d).sum()), "sum_abs": float(np.abs(d).sum()),
           "sha256": hashlib.sha256(a.tobytes()).hexdigest()}
    if folded:
        rec["folded"] = True  # float32 rounding of sigma may differ by an ulp: compare sums, not bytes
    return rec


# ---- StyleGAN2 -------------------------------------------------------------------------------------

class _PlainModule(torch.nn.Module):
    """Holds a persistent object's state; torch's own Module.state_dict() walks it."""


def _reconstruct_plain(meta):
    m = _PlainModule.__new__(_PlainModule)
    m.__setstate__(dict(meta["state"]))
    m.lf_class_name = meta["class_name"]
    return m


class _TorchSideUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("torch_utils.persistence", "_reconstruct_persistent_obj"):
            return _reconstruct_plain
        if module == "dnnlib.util" and name == "EasyDict":
            return dict
        if module.split(".")[0] in ("torch", "collections", "numpy", "builtins", "_codecs"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")


def load_stylegan2(path, repo):
    with open(path, "rb") as f:
        if repo:
            sys.path.insert(0, repo)
            data = pickle.load(f)  # official: executes the embedded module source
            return data, lambda G: (tuple(G.init_args), dict(G.init_kwargs))
        data = _TorchSideUnpickler(f).load()
        return data, lambda G: (tuple(G._init_args), dict(G._init_kwargs))


def golden_stylegan2(fixtures, name, net, repo):
    path = os.path.join(fixtures, name)
    data, init = load_stylegan2(path, repo)
    G = data[net]
    args, kwargs = init(G)
    assert not args, "positional init args: extend this script"
    sd = G.state_dict()
    meta = {"architecture": "stylegan2", "net": net, "format": "latentfactor-safetensors",
            "format_version": "1", "source_file": name, "source_sha256": sha256_file(path),
            "config": json.dumps(kwargs, sort_keys=True), "num_ws": str(G.synthesis.num_ws)
            if hasattr(G.synthesis, "num_ws") else None}
    if meta["num_ws"] is None:
        del meta["num_ws"]
    return {"id": f"{os.path.splitext(name)[0]}_{net}", "command": "stylegan2", "input": name,
            "args": ["--net", net], "metadata_keys": sorted(META_KEYS["stylegan2"]), "metadata": meta,
            "tensors": {k: checksum(v) for k, v in sorted(sd.items())}}


# ---- FastGAN ---------------------------------------------------------------------------------------

def fold_torch(w, u, v, transposed):
    # torch.nn.utils.spectral_norm, eval mode (SpectralNorm.compute_weight without power iteration)
    wm = w.permute(1, 0, 2, 3) if transposed else w
    wm = wm.reshape(wm.shape[0], -1)
    sigma = torch.dot(u, torch.mv(wm, v))
    return w / sigma


def golden_fastgan(fixtures, name, weights):
    path = os.path.join(fixtures, name)
    ck = torch.load(path, map_location="cpu")
    g = collections.OrderedDict((k[7:] if k.startswith("module.") else k, v) for k, v in ck["g"].items())
    if weights == "g_ema":
        pnames = [k for k in g if not k.endswith(SN_BUFFERS)]  # == G.named_parameters() order
        assert len(pnames) == len(ck["g_ema"])
        for k, t in zip(pnames, ck["g_ema"]):
            g[k] = t
    out = {}
    for k, v in g.items():
        if k.endswith((".weight_u", ".weight_v")):
            continue
        if k.endswith(".weight_orig"):
            p = k[:-len(".weight_orig")]
            w = fold_torch(v, g[p + ".weight_u"], g[p + ".weight_v"], transposed=(p == "init.init.0"))
            out[p + ".weight"] = checksum(w, folded=True)
        else:
            out[k] = checksum(v)
    w0 = g["init.init.0.weight_orig"]
    ngf, nz = w0.shape[1] // 32, w0.shape[0]
    im = 1024 if "feat_1024.1.weight_orig" in g else 512 if "feat_512.1.weight_orig" in g else 256
    nc = g["to_big.weight_orig"].shape[0]
    cfg = {"im_size": im, "nc": nc, "ngf": ngf, "nz": nz}
    meta = {"architecture": "fastgan", "weights": weights, "format": "latentfactor-safetensors",
            "format_version": "1", "source_file": name, "source_sha256": sha256_file(path),
            "config": json.dumps(cfg, sort_keys=True), "im_size": str(im), "ngf": str(ngf),
            "nz": str(nz), "nc": str(nc), "container": "zip"}
    return {"id": f"{os.path.splitext(name)[0]}_{weights}", "command": "fastgan", "input": name,
            "args": ["--weights", weights], "metadata_keys": sorted(META_KEYS["fastgan"]),
            "metadata": meta, "tensors": dict(sorted(out.items()))}


# ---- Inception -------------------------------------------------------------------------------------

def golden_inception(fixtures, name):
    path = os.path.join(fixtures, name)
    sd = torch.load(path, map_location="cpu")
    meta = {"architecture": "inception_fid", "format": "latentfactor-safetensors", "format_version": "1",
            "source_file": name, "source_sha256": sha256_file(path), "container": "zip"}
    return {"id": os.path.splitext(name)[0], "command": "inception", "input": name, "args": [],
            "metadata_keys": sorted(META_KEYS["inception"]), "metadata": meta,
            "tensors": {k: checksum(v) for k, v in sorted(sd.items())}}


def dump_compact(doc):
    """JSON with one line per tensor record (keeps the committed file short and diffable)."""
    parts = ["{\n \"comment\": " + json.dumps(doc["comment"]) + ",\n \"conversions\": ["]
    for i, c in enumerate(doc["conversions"]):
        head = {k: v for k, v in c.items() if k != "tensors"}
        body = json.dumps(head, indent=1)[:-2]  # drop the closing "\n}"
        body = "\n".join("  " + line for line in body.split("\n"))
        rows = [f"    {json.dumps(k)}: {json.dumps(v, separators=(', ', ': '))}"
                for k, v in c["tensors"].items()]
        body += ',\n   "tensors": {\n' + ",\n".join(rows) + "\n   }\n  }"
        parts.append(("\n" if i == 0 else ",\n") + body)
    return "".join(parts) + "\n ]\n}\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fixtures", default=os.path.join(ROOT, "..", "shared", "fixtures"))
    ap.add_argument("--stylegan2-ada-pytorch", dest="repo", default=None,
                    help="checkout with torch_utils/ and dnnlib/ for the official (code-executing) load")
    ap.add_argument("--out", default=OUT)
    a = ap.parse_args()
    torch.set_num_threads(1)
    conversions = [
        golden_stylegan2(a.fixtures, "sg2_tiny32.pkl", "G_ema", a.repo),
        golden_stylegan2(a.fixtures, "sg2_tiny32.pkl", "G", a.repo),
        golden_fastgan(a.fixtures, "fastgan_tiny256.pth", "g"),
        golden_fastgan(a.fixtures, "fastgan_tiny256.pth", "g_ema"),
        golden_inception(a.fixtures, "fid_inception_random.pth"),
    ]
    doc = {"comment": "Expected tools/convert.py output per fixture, computed with PyTorch "
                      f"{torch.__version__} by tools/reference/make_converter_golden.py; checked by "
                      "tests/converter/test_convert.py. sha256 = SHA-256 of the little-endian C-order "
                      "bytes; tensors marked folded compare by sums (relative 1e-6).",
           "conversions": conversions}
    with open(a.out, "w") as f:
        f.write(dump_compact(doc))
    print("wrote", os.path.normpath(a.out), "-", sum(len(c["tensors"]) for c in conversions), "tensors")


if __name__ == "__main__":
    main()
