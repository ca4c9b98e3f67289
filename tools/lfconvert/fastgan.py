# fastgan.py: FastGAN-pytorch checkpoints (torch.save, zip or legacy) -> generator tensors.
# Reads 'g' (a Generator state_dict) or 'g_ema' (a list of the EMA parameters in G.parameters() order,
# buffers then come from 'g'), strips a DataParallel 'module.' prefix, infers ngf/nz/nc/im_size from the
# shapes, checks every tensor against the shapes models.py's Generator(ngf, nz, nc, im_size) has, and
# folds spectral norm: <m>.weight = weight_orig / sigma, sigma = u . (W_mat v) with the stored u, v
# (eval-mode torch.nn.utils.spectral_norm, no power iteration); W_mat = weight_orig reshaped to
# [out, -1] (ConvTranspose2d, dim=1: weight_orig [in, out, kh, kw] is permuted to [out, in, kh, kw]
# first). BatchNorm running statistics are kept, num_batches_tracked as I64.
import collections
import json

import numpy as np

from . import ConvertError
from . import torchfile as tf

NFC_MULT = {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125}
BUFFER_SUFFIXES = (".weight_u", ".weight_v", ".running_mean", ".running_var", ".num_batches_tracked")


def nfc_table(ngf):
    return {r: int(m * ngf) for r, m in NFC_MULT.items()}


def expected_layout(ngf, nz, nc, im_size):
    """(OrderedDict name -> shape of Generator.state_dict() in registration order,
        dict sn-module prefix -> 'conv' | 'convT')."""
    nfc = nfc_table(ngf)
    out = collections.OrderedDict()
    sn = {}

    def sn_conv(p, cin, cout, k, transposed=False):
        w = [cin, cout, k, k] if transposed else [cout, cin, k, k]
        rows, cols = (cout, cin * k * k)
        out[p + ".weight_orig"] = w
        out[p + ".weight_u"] = [rows]
        out[p + ".weight_v"] = [cols]
        sn[p] = "convT" if transposed else "conv"

    def bn(p, c):
        for s in ("weight", "bias", "running_mean", "running_var"):
            out[f"{p}.{s}"] = [c]
        out[p + ".num_batches_tracked"] = []

    def up_block(p, cin, cout):
        sn_conv(p + ".1", cin, cout * 2, 3)
        bn(p + ".2", cout * 2)

    def up_block_comp(p, cin, cout):
        sn_conv(p + ".1", cin, cout * 2, 3)
        out[p + ".2.weight"] = [1]
        bn(p + ".3", cout * 2)
        sn_conv(p + ".5", cout, cout * 2, 3)
        out[p + ".6.weight"] = [1]
        bn(p + ".7", cout * 2)

    def se_block(p, cin, cout):
        sn_conv(p + ".main.1", cin, cout, 4)
        sn_conv(p + ".main.3", cout, cout, 1)

    sn_conv("init.init.0", nz, nfc[4] * 2, 4, transposed=True)
    bn("init.init.1", nfc[4] * 2)
    up_block_comp("feat_8", nfc[4], nfc[8])
    up_block("feat_16", nfc[8], nfc[16])
    up_block_comp("feat_32", nfc[16], nfc[32])
    up_block("feat_64", nfc[32], nfc[64])
    up_block_comp("feat_128", nfc[64], nfc[128])
    up_block("feat_256", nfc[128], nfc[256])
    se_block("se_64", nfc[4], nfc[64])
    se_block("se_128", nfc[8], nfc[128])
    se_block("se_256", nfc[16], nfc[256])
    sn_conv("to_128", nfc[128], nc, 1)
    sn_conv("to_big", nfc[im_size], nc, 3)
    if im_size > 256:
        up_block_comp("feat_512", nfc[256], nfc[512])
        se_block("se_512", nfc[32], nfc[512])
    if im_size > 512:
        up_block("feat_1024", nfc[512], nfc[1024])
    return out, sn


def parameter_names(layout):
    """Names of G.named_parameters() in order: the state_dict entries that are parameters
    (spectral norm's weight_orig, BatchNorm weight/bias, NoiseInjection weight)."""
    return [n for n in layout if not n.endswith(BUFFER_SUFFIXES)]


def _get_state_dict(obj, name):
    if isinstance(obj, dict) and "g" in obj:
        g = obj["g"]
        if not isinstance(g, dict):
            raise ConvertError(f"{name}: 'g' is a {type(g).__name__}, not a state_dict")
        return g
    if isinstance(obj, dict) and any(isinstance(k, str) and "init.init.0." in k for k in obj):
        return obj  # a bare Generator state_dict
    keys = (f"keys {sorted(map(str, obj))[:4]}..." if len(obj) > 4 else f"keys {sorted(map(str, obj))}") \
        if isinstance(obj, dict) else f"a {type(obj).__name__}"
    raise ConvertError(f"{name} is not a FastGAN checkpoint (expected a dict with 'g'; found {keys})")


def _strip_prefix(sd, name):
    out = collections.OrderedDict()
    stripped = False
    for k, v in sd.items():
        if not isinstance(k, str):
            raise ConvertError(f"{name}: non-string key {k!r} in the state_dict")
        if k.startswith("module."):
            k = k[len("module."):]
            stripped = True
        if k in out:
            raise ConvertError(f"{name}: key {k} appears twice (with and without 'module.')")
        if not isinstance(v, tf.Tensor):
            raise ConvertError(f"{name}: state_dict entry {k} is a {type(v).__name__}, not a tensor")
        out[k] = v
    return out, stripped


def infer_config(sd, name):
    w = sd.get("init.init.0.weight_orig")
    if w is None:
        raise ConvertError(f"{name}: tensor init.init.0.weight_orig is missing (not a FastGAN "
                           f"generator state_dict?)")
    if len(w.shape) != 4 or w.shape[2:] != (4, 4) or w.shape[1] % 32:
        raise ConvertError(f"{name}: tensor init.init.0.weight_orig has shape {list(w.shape)}, expected "
                           f"[nz, 32*ngf, 4, 4]")
    nz, ngf = w.shape[0], w.shape[1] // 32
    im_size = 1024 if any(k.startswith("feat_1024.") for k in sd) else \
        512 if any(k.startswith("feat_512.") for k in sd) else 256
    big = sd.get("to_big.weight_orig")
    if big is None:
        raise ConvertError(f"{name}: tensor to_big.weight_orig is missing")
    nc = big.shape[0]
    return dict(ngf=ngf, nz=nz, nc=nc, im_size=im_size)


def fold_spectral_norm(w_orig, u, v, kind):
    """Eval-mode spectral norm: weight_orig / sigma with sigma = u . (W_mat v). sigma is computed in
    float64 and rounded to the weight's dtype; the division is done in that dtype, as torch does."""
    wm = np.transpose(w_orig, (1, 0, 2, 3)) if kind == "convT" else w_orig
    wm = wm.reshape(wm.shape[0], -1).astype(np.float64)
    sigma = float(np.dot(u.astype(np.float64), wm @ v.astype(np.float64)))
    if not np.isfinite(sigma) or sigma == 0.0:
        raise ConvertError(f"spectral norm sigma is {sigma}; cannot fold")
    return (w_orig / w_orig.dtype.type(sigma)).astype(w_orig.dtype), sigma


def convert(path, weights="g"):
    name = path.rsplit("/", 1)[-1]
    with tf.TorchFile(path) as f:
        obj = f.obj
        sd, stripped = _strip_prefix(_get_state_dict(obj, name), name)
        cfg = infer_config(sd, name)
        layout, sn = expected_layout(**cfg)
        why = ", ".join(f"{k} {v}" for k, v in cfg.items())
        for key, shape in layout.items():
            t = sd.get(key)
            if t is None:
                if key.endswith(".num_batches_tracked"):
                    continue  # absent in checkpoints from torch < 0.4.1; optional
                raise ConvertError(f"{name}: tensor {key} is missing from the generator state_dict "
                                   f"(inferred {why})")
            if list(t.shape) != shape:
                raise ConvertError(f"{name}: tensor {key} has shape {list(t.shape)} but a FastGAN "
                                   f"Generator with {why} has {shape}")
        extra = [k for k in sd if k not in layout]
        if extra:
            raise ConvertError(f"{name}: tensor {extra[0]} is not part of a FastGAN Generator with {why}")
        refs = collections.OrderedDict((k, sd[k]) for k in layout if k in sd)
        if weights == "g_ema":
            ema = obj.get("g_ema") if isinstance(obj, dict) else None
            if not isinstance(ema, (list, tuple)):
                raise ConvertError(f"{name} has no 'g_ema' parameter list (only all_<iter>.pth "
                                   f"checkpoints do)")
            pnames = parameter_names(layout)
            if len(ema) != len(pnames):
                raise ConvertError(f"{name}: 'g_ema' holds {len(ema)} tensors but the generator has "
                                   f"{len(pnames)} parameters")
            for i, (key, t) in enumerate(zip(pnames, ema)):
                if not isinstance(t, tf.Tensor):
                    raise ConvertError(f"{name}: g_ema[{i}] ({key}) is a {type(t).__name__}")
                if list(t.shape) != layout[key]:
                    raise ConvertError(f"{name}: g_ema[{i}] has shape {list(t.shape)} but parameter "
                                       f"{key} has {layout[key]}")
                refs[key] = t
        arrays = collections.OrderedDict((k, tf.materialize(k, t)) for k, t in refs.items())
    tensors = {}
    sigmas = {}
    for k, a in arrays.items():
        if k.endswith((".weight_orig", ".weight_u", ".weight_v")):
            continue
        tensors[k] = a
    for p, kind in sn.items():
        w, sigma = fold_spectral_norm(arrays[p + ".weight_orig"], arrays[p + ".weight_u"],
                                      arrays[p + ".weight_v"], kind)
        tensors[p + ".weight"] = w
        sigmas[p] = sigma
    meta = {
        "architecture": "fastgan",
        "weights": weights,
        "config": json.dumps(cfg, sort_keys=True),
        "im_size": str(cfg["im_size"]),
        "ngf": str(cfg["ngf"]),
        "nz": str(cfg["nz"]),
        "nc": str(cfg["nc"]),
        "folded": "spectral_norm -> effective weight: <m>.weight = weight_orig / sigma, "
                  "sigma = u . (W_mat v) from the stored weight_u/weight_v (eval mode); "
                  "weight_orig, weight_u, weight_v dropped",
        "module_prefix_stripped": "module." if stripped else "",
        "batchnorm": "running_mean/running_var kept (eval-mode BatchNorm, eps 1e-5); "
                     "num_batches_tracked kept as I64",
        "container": f.container,
    }
    return tensors, meta
