#!/usr/bin/env python3
# stylegan2_reference.py: PyTorch reference of the NVlabs stylegan2-ada-pytorch generator (G_ema,
# eval mode, CPU float32, TF32 off), written from ../shared/docs/stylegan2.md and following the
# official computation order op for op: FullyConnectedLayer (addmm for linear layers, matmul then
# bias_act for lrelu), normalize_2nd_moment, ATen lerp truncation, fused modulated conv as one grouped
# conv, the up=2 conv as conv_transpose2d(stride 2) + upfirdn2d([4,4] filter, pad 1, gain 4),
# bias_act (bias -> act -> gain -> clamp), skip-image upsample2d (pad (2,1,2,1), gain 4), the skip /
# resnet / orig architectures, label embedding (c_dim > 0), conv_clamp and noise const / none / random.
# It reads latentfactor safetensors models (official state_dict names, metadata "config" = the
# official Generator init kwargs) and can write seeded random-weight models with the same layout.
#
# Needs numpy + torch (Debian's /usr/bin/python3). Commands:
#   /usr/bin/python3 tools/reference/stylegan2_reference.py check-fixture [--fixtures DIR]
#       converts ../shared/fixtures/sg2_tiny32.pkl with tools/convert.py and compares with the golden
#       .npz (ws 1e-5, images 1e-3 max abs)
#   /usr/bin/python3 tools/reference/stylegan2_reference.py --init OUT.safetensors --config JSON
#       [--seed S] [--exercise-clamp]   writes a random-weight model (same as the `init` command)
#   /usr/bin/python3 tools/reference/stylegan2_reference.py generate -m MODEL --seeds 0-3 --npy OUT.npy
#       [--trunc PSI] [--trunc-cutoff C] [--noise const|none|random] [--class C] [--ws WS.npy]
# As a module: m = StyleGAN2Reference.load(path); ws = m.mapping(z, c, psi, cutoff);
#              img = m.synthesis(ws, noise_mode="const").
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # keep tools/lfconvert free of __pycache__
TOOLS_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
REPO_DIR = os.path.dirname(TOOLS_DIR)
sys.path.insert(0, TOOLS_DIR)
from lfconvert import safetensors as st  # noqa: E402  (numpy-only safetensors reader/writer)
from reference_common import max_abs, parse_seeds, seeds_to_z, write_safetensors  # noqa: E402,F401

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

SQRT2 = float(np.sqrt(2))  # bias_act def_gain of lrelu, a Python float as upstream passes it

# The official Generator / MappingNetwork / SynthesisNetwork defaults (training/networks.py).
MAPPING_DEFAULTS = {"num_layers": 8, "lr_multiplier": 0.01, "embed_features": None, "layer_features": None,
                    "activation": "lrelu", "w_avg_beta": 0.995}
SYNTHESIS_DEFAULTS = {"channel_base": 32768, "channel_max": 512, "num_fp16_res": 0, "conv_clamp": None,
                      "architecture": "skip", "resample_filter": [1, 3, 3, 1], "use_noise": True,
                      "kernel_size": 3, "activation": "lrelu"}


class Cfg:
    """The official Generator init kwargs with the upstream defaults filled in."""

    def __init__(self, config):
        self.raw = json.loads(json.dumps(config))
        self.z_dim = int(config["z_dim"])
        self.c_dim = int(config.get("c_dim", 0))
        self.w_dim = int(config["w_dim"])
        self.img_resolution = int(config["img_resolution"])
        self.img_channels = int(config.get("img_channels", 3))
        mk = dict(MAPPING_DEFAULTS, **config.get("mapping_kwargs", {}))
        sk = dict(SYNTHESIS_DEFAULTS, **config.get("synthesis_kwargs", {}))
        self.mapping_layers = int(mk["num_layers"])
        self.lr_multiplier = float(mk["lr_multiplier"])
        self.embed_features = (self.w_dim if mk["embed_features"] is None else int(mk["embed_features"])) \
            if self.c_dim > 0 else 0
        self.layer_features = self.w_dim if mk["layer_features"] is None else int(mk["layer_features"])
        if mk["activation"] != "lrelu" or sk["activation"] != "lrelu":
            raise ValueError("only the lrelu activation is implemented")
        if sk["kernel_size"] != 3 or list(sk["resample_filter"]) != [1, 3, 3, 1] or not sk["use_noise"]:
            raise ValueError("only kernel_size 3, resample_filter [1,3,3,1] and use_noise are implemented")
        self.channel_base = int(sk["channel_base"])
        self.channel_max = int(sk["channel_max"])
        self.num_fp16_res = int(sk["num_fp16_res"])  # used by synthesis(fp16=True) only
        self.fp16_resolution = max(2 ** (int(np.log2(self.img_resolution)) + 1 - self.num_fp16_res), 8)
        self.conv_clamp = None if sk["conv_clamp"] is None else float(sk["conv_clamp"])
        self.architecture = sk["architecture"]
        if self.architecture not in ("skip", "resnet", "orig"):
            raise ValueError(f"unknown architecture {self.architecture!r}")
        log2 = int(np.log2(self.img_resolution))
        if self.img_resolution < 4 or 2 ** log2 != self.img_resolution:
            raise ValueError(f"img_resolution {self.img_resolution} is not a power of two >= 4")
        self.block_resolutions = [2 ** i for i in range(2, log2 + 1)]
        self.channels = {r: min(self.channel_base // r, self.channel_max) for r in self.block_resolutions}
        self.num_ws = 2 * log2 - 2  # sum of num_conv + the last block's torgb, for every architecture


# ----------------------------------------------------------------------------------------------
# Ops (the reference implementations of torch_utils/ops, which are what runs on the CPU upstream)

def normalize_2nd_moment(x, dim=1, eps=1e-8):
    return x * (x.square().mean(dim=dim, keepdim=True) + eps).rsqrt()


def bias_act(x, b=None, act="linear", gain=None, clamp=None, dim=1):
    """_bias_act_ref: x + b (on dim) -> activation -> * gain -> clamp(-clamp, clamp)."""
    if b is not None:
        x = x + b.reshape([-1 if i == dim else 1 for i in range(x.ndim)])
    if act == "lrelu":
        x = F.leaky_relu(x, 0.2)
        gain = SQRT2 if gain is None else float(gain)
    elif act == "linear":
        gain = 1.0 if gain is None else float(gain)
    else:
        raise ValueError(act)
    if gain != 1:
        x = x * gain
    if clamp is not None and clamp >= 0:
        if CLAMP_STATS["enabled"]:
            CLAMP_STATS["elements"] += x.numel()
            CLAMP_STATS["clamped"] += int((x.abs() > clamp).sum())
        x = x.clamp(-clamp, clamp)
    return x


# How often the clamp engaged; counted only when enabled (the golden writer reports it), as the count
# costs time that does not belong in benchmarks.
CLAMP_STATS = {"enabled": False, "elements": 0, "clamped": 0}


def upfirdn2d(x, f, up=1, down=1, padding=(0, 0, 0, 0), flip_filter=False, gain=1):
    """_upfirdn2d_ref for a 2-D (non-separable) filter f [fh, fw]; padding = (px0, px1, py0, py1)."""
    n, c, h, w = x.shape
    px0, px1, py0, py1 = padding
    x = x.reshape([n, c, h, 1, w, 1])
    x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
    x = x.reshape([n, c, h * up, w * up])
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0): x.shape[2] - max(-py1, 0), max(-px0, 0): x.shape[3] - max(-px1, 0)]
    f = f * (gain ** (f.ndim / 2))
    f = f.to(x.dtype)
    if not flip_filter:
        f = f.flip(list(range(f.ndim)))
    f = f[np.newaxis, np.newaxis].repeat([c, 1] + [1] * f.ndim)
    x = F.conv2d(input=x, weight=f, groups=c)
    return x[:, :, ::down, ::down]


def upsample2d(x, f, up=2):
    fh, fw = f.shape
    p = [(fw + up - 1) // 2, (fw - up) // 2, (fh + up - 1) // 2, (fh - up) // 2]
    return upfirdn2d(x, f, up=up, padding=p, gain=up * up)


def conv2d_wrapper(x, w, stride=1, padding=0, groups=1, transpose=False, flip_weight=True):
    if not flip_weight:  # conv2d is a correlation (flip_weight=True), not a convolution
        w = w.flip([2, 3])
    if transpose:
        return F.conv_transpose2d(x, w, stride=stride, padding=padding, groups=groups)
    return F.conv2d(x, w, stride=stride, padding=padding, groups=groups)


def conv2d_resample(x, w, f=None, up=1, padding=0, groups=1, flip_weight=True):
    """conv2d_resample for down=1 (the only case the generator uses)."""
    out_channels, in_per_group, kh, kw = w.shape
    px0 = px1 = py0 = py1 = padding
    if up > 1:
        fh, fw = f.shape
        px0 += (fw + up - 1) // 2
        px1 += (fw - up) // 2
        py0 += (fh + up - 1) // 2
        py1 += (fh - up) // 2
    if kw == 1 and kh == 1 and up > 1:  # 1x1 conv with upsampling: convolve first, then upsample
        x = conv2d_wrapper(x, w, groups=groups, flip_weight=flip_weight)
        return upfirdn2d(x, f, up=up, padding=(px0, px1, py0, py1), gain=up ** 2)
    if up > 1:  # transposed strided conv, then the FIR
        if groups == 1:
            w = w.transpose(0, 1)
        else:
            w = w.reshape(groups, out_channels // groups, in_per_group, kh, kw)
            w = w.transpose(1, 2)
            w = w.reshape(groups * in_per_group, out_channels // groups, kh, kw)
        px0 -= kw - 1
        px1 -= kw - up
        py0 -= kh - 1
        py1 -= kh - up
        pxt = max(min(-px0, -px1), 0)
        pyt = max(min(-py0, -py1), 0)
        x = conv2d_wrapper(x, w, stride=up, padding=[pyt, pxt], groups=groups, transpose=True,
                           flip_weight=(not flip_weight))
        return upfirdn2d(x, f, padding=(px0 + pxt, px1 + pxt, py0 + pyt, py1 + pyt), gain=up ** 2)
    assert px0 == px1 and py0 == py1 and px0 >= 0
    return conv2d_wrapper(x, w, padding=[py0, px0], groups=groups, flip_weight=flip_weight)


def modulated_conv2d(x, weight, styles, noise=None, up=1, padding=0, resample_filter=None, demodulate=True,
                     flip_weight=True):
    """Fused modconv (eval mode, float32): per-sample weights, one grouped conv over the batch."""
    batch_size = x.shape[0]
    out_channels, in_channels, kh, kw = weight.shape
    w = weight.unsqueeze(0) * styles.reshape(batch_size, 1, -1, 1, 1)  # [N, O, I, k, k]
    if demodulate:
        dcoefs = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()  # [N, O]
        w = w * dcoefs.reshape(batch_size, -1, 1, 1, 1)
    x = x.reshape(1, -1, *x.shape[2:])
    w = w.reshape(-1, in_channels, kh, kw)
    x = conv2d_resample(x, w.to(x.dtype), f=resample_filter, up=up, padding=padding, groups=batch_size,
                        flip_weight=flip_weight)
    x = x.reshape(batch_size, -1, *x.shape[2:])
    if noise is not None:
        x = x.add_(noise)
    return x


# ----------------------------------------------------------------------------------------------
# The official fp16 block numerics, simulated on the CPU (torch has no half conv on the CPU): every
# tensor the official fp16 block holds as half is rounded to half here (h), and every conv runs in
# float32 on those half values, whose products are exact in float32: what fp16 tensor cores with
# float32 accumulation compute, up to the summation order. ../shared/docs/stylegan2.md section 7.

def h(t):
    """A float32 tensor rounded to half and back: the value an fp16 tensor holds."""
    return t.to(torch.float16).to(torch.float32)


def conv2d_resample_fp16(x, w, f=None, up=1, padding=0, groups=1, flip_weight=True):
    """conv2d_resample on half tensors: each op's output rounded to half (k=3, up 1 or 2)."""
    if up == 1:
        return h(conv2d_resample(x, w, padding=padding, groups=groups, flip_weight=flip_weight))
    out_channels, in_per_group, kh, kw = w.shape
    if groups == 1:
        w = w.transpose(0, 1)
    else:
        w = w.reshape(groups, out_channels // groups, in_per_group, kh, kw).transpose(1, 2)
        w = w.reshape(groups * in_per_group, out_channels // groups, kh, kw)
    assert (kh, kw, padding, up) == (3, 3, 1, 2) and f.shape == (4, 4)
    x = h(conv2d_wrapper(x, w, stride=2, padding=[0, 0], groups=groups, transpose=True,
                         flip_weight=(not flip_weight)))
    return h(upfirdn2d(x, f, padding=(1, 1, 1, 1), gain=4))


def modulated_conv2d_fp16(x, weight, styles, noise=None, up=1, padding=0, resample_filter=None,
                          demodulate=True, flip_weight=True, fused=False):
    """modulated_conv2d with x half: pre-normalization, then the fused (N = 1 in eval) or the
    non-fused form, rounding where the official code holds half tensors."""
    batch_size = x.shape[0]
    out_channels, in_channels, kh, kw = weight.shape
    if demodulate:
        weight = weight * (1 / np.sqrt(in_channels * kh * kw) / weight.norm(float("inf"), dim=[1, 2, 3],
                                                                               keepdim=True))
        styles = styles / styles.norm(float("inf"), dim=1, keepdim=True)
    w = weight.unsqueeze(0) * styles.reshape(batch_size, 1, -1, 1, 1)  # [N, O, I, k, k]
    dcoefs = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt() if demodulate else None  # [N, O]
    if not fused:
        x = h(x * h(styles).reshape(batch_size, -1, 1, 1))
        x = conv2d_resample_fp16(x, h(weight), f=resample_filter, up=up, padding=padding,
                                 flip_weight=flip_weight)
        if demodulate and noise is not None:
            return h(torch.addcmul(h(noise), x, h(dcoefs).reshape(batch_size, -1, 1, 1)))
        if demodulate:
            return h(x * h(dcoefs).reshape(batch_size, -1, 1, 1))
        return h(x + h(noise)) if noise is not None else x
    if demodulate:
        w = w * dcoefs.reshape(batch_size, -1, 1, 1, 1)
    x = x.reshape(1, -1, *x.shape[2:])
    w = h(w.reshape(-1, in_channels, kh, kw))
    x = conv2d_resample_fp16(x, w, f=resample_filter, up=up, padding=padding, groups=batch_size,
                             flip_weight=flip_weight)
    x = x.reshape(batch_size, -1, *x.shape[2:])
    return h(x + noise) if noise is not None else x  # x.add_(noise): float32 noise into half x


# ----------------------------------------------------------------------------------------------
# The generator

class StyleGAN2Reference:
    def __init__(self, tensors, config):
        """tensors: dict name -> np.ndarray (official G_ema state_dict names); config: init kwargs."""
        self.cfg = Cfg(config)
        self.t = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in tensors.items()}
        check_shapes(self.cfg, tensors)

    @classmethod
    def load(cls, path):
        tensors, meta = st.read(path)
        if meta.get("architecture", "stylegan2") != "stylegan2":
            raise ValueError(f"{path}: not a StyleGAN2 model")
        return cls(tensors, json.loads(meta["config"]))

    # FullyConnectedLayer.forward
    def _fc(self, name, x, activation="linear", lr_multiplier=1.0):
        weight, bias = self.t[name + ".weight"], self.t[name + ".bias"]
        weight_gain = lr_multiplier / np.sqrt(weight.shape[1])
        w = weight.to(x.dtype) * weight_gain
        b = bias.to(x.dtype)
        if lr_multiplier != 1:
            b = b * lr_multiplier
        if activation == "linear":
            return torch.addmm(b.unsqueeze(0), x, w.t())
        return bias_act(x.matmul(w.t()), b, act=activation)

    @torch.no_grad()
    def mapping(self, z, c=None, psi=1.0, cutoff=None):
        """z [N, z_dim] (float64 ok), c [N, c_dim] or None -> ws [N, num_ws, w_dim] float32.
        cutoff None or < 0: truncate every layer."""
        cfg = self.cfg
        z = torch.as_tensor(z)
        x = None
        if cfg.z_dim > 0:
            x = normalize_2nd_moment(z.to(torch.float32))
        if cfg.c_dim > 0:
            if c is None:
                raise ValueError("conditional model: a label c is required")
            y = normalize_2nd_moment(self._fc("mapping.embed", torch.as_tensor(c).to(torch.float32)))
            x = torch.cat([x, y], dim=1) if x is not None else y
        for i in range(cfg.mapping_layers):
            x = self._fc(f"mapping.fc{i}", x, activation="lrelu", lr_multiplier=cfg.lr_multiplier)
        x = x.unsqueeze(1).repeat([1, cfg.num_ws, 1])
        if psi != 1:
            w_avg = self.t["mapping.w_avg"]
            if cutoff is None or cutoff < 0:
                x = w_avg.lerp(x, psi)
            else:
                x[:, :cutoff] = w_avg.lerp(x[:, :cutoff], psi)
        return x

    def class_labels(self, class_index, batch):
        if self.cfg.c_dim == 0:
            return None
        c = torch.zeros([batch, self.cfg.c_dim])
        c[:, class_index] = 1
        return c

    # SynthesisLayer.forward
    def _layer(self, p, x, w, res, up, noise_mode, gain=1.0, fp16=False):
        styles = self._fc(p + ".affine", w)
        noise = None
        if noise_mode == "random":
            noise = torch.randn([x.shape[0], 1, res, res]) * self.t[p + ".noise_strength"]
        elif noise_mode == "const":
            noise = self.t[p + ".noise_const"] * self.t[p + ".noise_strength"]
        act_gain = SQRT2 * gain
        act_clamp = self.cfg.conv_clamp * gain if self.cfg.conv_clamp is not None else None
        if fp16:
            x = modulated_conv2d_fp16(x, self.t[p + ".weight"], styles, noise=noise, up=up, padding=1,
                                      resample_filter=self.t[p + ".resample_filter"], flip_weight=(up == 1),
                                      fused=(x.shape[0] == 1))
            return h(bias_act(x, h(self.t[p + ".bias"]), act="lrelu", gain=act_gain, clamp=act_clamp))
        x = modulated_conv2d(x, self.t[p + ".weight"], styles, noise=noise, up=up, padding=1,
                             resample_filter=self.t[p + ".resample_filter"], flip_weight=(up == 1))
        return bias_act(x, self.t[p + ".bias"].to(x.dtype), act="lrelu", gain=act_gain, clamp=act_clamp)

    # ToRGBLayer.forward
    def _torgb(self, p, x, w, fp16=False):
        weight = self.t[p + ".weight"]
        weight_gain = 1 / np.sqrt(weight.shape[1] * weight.shape[2] * weight.shape[3])
        styles = self._fc(p + ".affine", w) * weight_gain
        if fp16:
            x = modulated_conv2d_fp16(x, weight, styles, demodulate=False, fused=(x.shape[0] == 1))
            return h(bias_act(x, h(self.t[p + ".bias"]), clamp=self.cfg.conv_clamp))
        x = modulated_conv2d(x, weight, styles, demodulate=False)
        return bias_act(x, self.t[p + ".bias"].to(x.dtype), clamp=self.cfg.conv_clamp)

    # Conv2dLayer.forward for the resnet skip (1x1, no bias, up=2, linear, no clamp)
    def _skip(self, p, x, gain):
        weight = self.t[p + ".weight"]
        w = weight * (1 / np.sqrt(weight.shape[1] * weight.shape[2] * weight.shape[3]))
        x = conv2d_resample(x, w.to(x.dtype), f=self.t[p + ".resample_filter"], up=2, padding=0,
                            flip_weight=False)
        return bias_act(x, None, act="linear", gain=gain)

    @torch.no_grad()
    def synthesis(self, ws, noise_mode="const", taps=None, fp16=False):
        """ws [N, num_ws, w_dim] -> img [N, img_channels, R, R] float32. taps: optional dict that
        receives each block's features ("b{R}") and image ("b{R}.img"). fp16: the blocks from
        fp16_resolution up with the official fp16 numerics (simulated; skip and orig only), else
        every block in float32 (force_fp32)."""
        cfg = self.cfg
        ws = torch.as_tensor(ws).to(torch.float32)
        assert ws.shape[1:] == (cfg.num_ws, cfg.w_dim), ws.shape
        x = img = None
        w_idx = 0
        for res in cfg.block_resolutions:
            p = f"synthesis.b{res}"
            is_last = res == cfg.img_resolution
            num_conv = 1 if res == 4 else 2
            num_torgb = 1 if (is_last or cfg.architecture == "skip") else 0
            w_iter = iter(ws.narrow(1, w_idx, num_conv + num_torgb).unbind(dim=1))
            w_idx += num_conv
            half = fp16 and res >= cfg.fp16_resolution and cfg.num_fp16_res > 0
            if half:
                if cfg.architecture == "resnet":
                    raise ValueError("the fp16 simulation covers the skip and orig architectures")
                x = h(x)  # x.to(torch.float16) at the block input
            if res == 4:
                x = self.t[p + ".const"].to(torch.float32)
                x = x.unsqueeze(0).repeat([ws.shape[0], 1, 1, 1])
                x = self._layer(p + ".conv1", x, next(w_iter), res, 1, noise_mode)
            elif cfg.architecture == "resnet":
                y = self._skip(p + ".skip", x, gain=np.sqrt(0.5))
                x = self._layer(p + ".conv0", x, next(w_iter), res, 2, noise_mode)
                x = self._layer(p + ".conv1", x, next(w_iter), res, 1, noise_mode, gain=np.sqrt(0.5))
                x = y.add_(x)
            else:
                x = self._layer(p + ".conv0", x, next(w_iter), res, 2, noise_mode, fp16=half)
                x = self._layer(p + ".conv1", x, next(w_iter), res, 1, noise_mode, fp16=half)
            if img is not None:
                img = upsample2d(img, self.t[p + ".resample_filter"])
            if is_last or cfg.architecture == "skip":
                y = self._torgb(p + ".torgb", x, next(w_iter), fp16=half)
                y = y.to(dtype=torch.float32, memory_format=torch.contiguous_format)
                img = img.add_(y) if img is not None else y
            if taps is not None:
                taps[f"b{res}"] = x.clone()
                if img is not None:
                    taps[f"b{res}.img"] = img.clone()
        return img

    def __call__(self, z, c=None, psi=1.0, cutoff=None, noise_mode="const"):
        return self.synthesis(self.mapping(z, c, psi, cutoff), noise_mode=noise_mode)


# ----------------------------------------------------------------------------------------------
# Expected tensors (names and shapes of G_ema.state_dict()) and the random-weight writer

def expected_shapes(cfg):
    """OrderedDict-like list of (name, shape) for every G_ema state_dict entry of this config."""
    out = []
    wd = cfg.w_dim
    for res in cfg.block_resolutions:
        p = f"synthesis.b{res}"
        cout = cfg.channels[res]
        cin = 0 if res == 4 else cfg.channels[res // 2]
        is_last = res == cfg.img_resolution
        if res == 4:
            out.append((p + ".const", (cout, res, res)))
        out.append((p + ".resample_filter", (4, 4)))
        layers = ([("conv0", cin, cout)] if res > 4 else []) + [("conv1", cout, cout)]
        for name, i, o in layers:
            q = f"{p}.{name}"
            out += [(q + ".weight", (o, i, 3, 3)), (q + ".noise_strength", ()), (q + ".bias", (o,)),
                    (q + ".resample_filter", (4, 4)), (q + ".noise_const", (res, res)),
                    (q + ".affine.weight", (i, wd)), (q + ".affine.bias", (i,))]
        if is_last or cfg.architecture == "skip":
            q = p + ".torgb"
            out += [(q + ".weight", (cfg.img_channels, cout, 1, 1)), (q + ".bias", (cfg.img_channels,)),
                    (q + ".affine.weight", (cout, wd)), (q + ".affine.bias", (cout,))]
        if res > 4 and cfg.architecture == "resnet":
            out += [(p + ".skip.weight", (cout, cin, 1, 1)), (p + ".skip.resample_filter", (4, 4))]
    if cfg.c_dim > 0:
        out += [("mapping.embed.weight", (cfg.embed_features, cfg.c_dim)),
                ("mapping.embed.bias", (cfg.embed_features,))]
    feats = [cfg.z_dim + cfg.embed_features] + [cfg.layer_features] * (cfg.mapping_layers - 1) + [cfg.w_dim]
    for i in range(cfg.mapping_layers):
        out += [(f"mapping.fc{i}.weight", (feats[i + 1], feats[i])), (f"mapping.fc{i}.bias", (feats[i + 1],))]
    out.append(("mapping.w_avg", (cfg.w_dim,)))
    return out


def check_shapes(cfg, tensors):
    for name, shape in expected_shapes(cfg):
        if name not in tensors:
            raise ValueError(f"missing tensor {name!r}")
        if tuple(tensors[name].shape) != tuple(shape):
            raise ValueError(f"tensor {name!r} has shape {tuple(tensors[name].shape)}, expected {shape}")


def fir_filter():
    f = np.array([1, 3, 3, 1], dtype=np.float32)
    f = np.outer(f, f)
    return (f / f.sum()).astype(np.float32)  # setup_filter: [4,4], normalised, exact k/64 values


def init_random(config, seed=0, exercise_clamp=False):
    """Seeded random weights with the official names/shapes; every parameter and buffer is
    non-degenerate (the official init has zero biases, zero noise strengths and w_avg = 0):
      mapping fc weights N(0,1)/lr_mul (the official init), biases 0.1*N(0,1)/lr_mul (effective 0.1);
      embed N(0,1), bias 0.1*N; conv / torgb / skip weights N(0,1), biases 0.1*N(0,1);
      affine weights N(0,1), biases 1 + 0.1*N(0,1); noise_strength +-U(0.05, 0.3); noise_const and
      const N(0,1); w_avg = the mean of 1024 untruncated mapping outputs (as training would track it).
    exercise_clamp (for conv_clamp tests): a few conv biases and a torgb bias are set so that
    bias_act's clamp engages on part of the elements."""
    cfg = Cfg(config)
    rng = np.random.RandomState(seed)
    tensors = {}
    for name, shape in expected_shapes(cfg):
        leaf = name.rsplit(".", 1)[-1]
        if leaf == "resample_filter":
            v = fir_filter()
        elif leaf == "noise_strength":
            v = np.array(rng.choice([-1, 1]) * rng.uniform(0.05, 0.3))
        elif name.startswith("mapping.fc"):
            v = rng.randn(*shape) / cfg.lr_multiplier * (0.1 if leaf == "bias" else 1.0)
        elif ".affine." in name:
            v = rng.randn(*shape) if leaf == "weight" else 1 + 0.1 * rng.randn(*shape)
        elif leaf == "bias":
            v = 0.1 * rng.randn(*shape)
        elif leaf == "w_avg":
            v = np.zeros(shape)
        else:  # weights, const, noise_const
            v = rng.randn(*shape)
        tensors[name] = np.asarray(v, dtype=np.float32).reshape(shape)
    if exercise_clamp and cfg.conv_clamp is not None:
        cl = cfg.conv_clamp
        res = cfg.block_resolutions[min(1, len(cfg.block_resolutions) - 1)]
        b = tensors[f"synthesis.b{res}.conv1.bias"]
        # lrelu(b + y) * sqrt2 crosses +clamp for about half the positions of channel 0 and
        # -clamp (slope 0.2) for about half of channel 1.
        b[0] = cl / SQRT2
        if b.shape[0] > 1:
            b[1] = -cl / SQRT2 / 0.2
        if cfg.architecture == "skip" or res == cfg.img_resolution:
            tensors[f"synthesis.b{res}.torgb.bias"][0] = cl - 0.5  # torgb clamp at +clamp, partially
    model = StyleGAN2Reference(tensors, config)
    z = np.random.RandomState(seed + 1000).randn(1024, cfg.z_dim)
    c = None
    if cfg.c_dim > 0:
        c = np.eye(cfg.c_dim, dtype=np.float32)[np.arange(1024) % cfg.c_dim]
    w = model.mapping(z, c)[:, 0]
    tensors["mapping.w_avg"] = w.mean(dim=0).numpy().astype(np.float32)
    return tensors


def write_model(path, tensors, config, extra_metadata=None):
    meta = {"architecture": "stylegan2", "config": json.dumps(config, sort_keys=True),
            "format": "latentfactor-safetensors", "format_version": "1", "net": "G_ema",
            "num_ws": str(Cfg(config).num_ws)}
    meta.update(extra_metadata or {})
    write_safetensors(path, tensors, meta)


# ----------------------------------------------------------------------------------------------
# CLI


def cmd_check_fixture(args):
    fixtures = args.fixtures or os.path.normpath(os.path.join(REPO_DIR, "..", "shared", "fixtures"))
    pkl = os.path.join(fixtures, "sg2_tiny32.pkl")
    golden = np.load(os.path.join(fixtures, "sg2_tiny32_golden.npz"))
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "sg2_tiny32.safetensors")
        subprocess.run([sys.executable, os.path.join(TOOLS_DIR, "convert.py"), "stylegan2", pkl, model_path],
                       check=True)
        m = StyleGAN2Reference.load(model_path)
    z = golden["z"]
    rows = []
    ws10 = m.mapping(z, None, 1.0)
    ws07 = m.mapping(z, None, 0.7)
    rows.append(("ws_psi10", max_abs(ws10, golden["ws_psi10"]), 1e-5))
    rows.append(("ws_psi07", max_abs(ws07, golden["ws_psi07"]), 1e-5))
    for key, ws, mode in (("img_psi10", golden["ws_psi10"], "const"), ("img_psi07", golden["ws_psi07"], "const"),
                          ("img_wplus", golden["wplus"], "const"), ("img_nonoise_psi10", golden["ws_psi10"], "none")):
        rows.append((key, max_abs(m.synthesis(ws, noise_mode=mode), golden[key]), 1e-3))
    rows.append(("img_psi10 (from own ws)", max_abs(m.synthesis(ws10), golden["img_psi10"]), 1e-3))
    ok = True
    for key, err, tol in rows:
        print(f"{key:26s} max abs err {err:.3e}  (tol {tol:g})  {'ok' if err <= tol else 'FAIL'}")
        ok &= err <= tol
    print("image range:", float(np.min(golden["img_psi10"])), float(np.max(golden["img_psi10"])))
    return 0 if ok else 1


def cmd_init(args):
    config = json.loads(args.config)
    tensors = init_random(config, seed=args.seed, exercise_clamp=args.exercise_clamp)
    extra = {"generator": "tools/reference/stylegan2_reference.py --init (random weights, seed %d%s)"
             % (args.seed, ", exercise_clamp" if args.exercise_clamp else "")}
    write_model(args.init, tensors, config, extra)
    print("wrote", args.init)
    return 0


def cmd_generate(args):
    m = StyleGAN2Reference.load(args.model)
    if args.ws:
        ws = np.load(args.ws)
        if ws.ndim == 2:
            ws = np.repeat(ws[:, None, :], m.cfg.num_ws, axis=1)
    else:
        z = np.load(args.z) if args.z else seeds_to_z(parse_seeds(args.seeds), m.cfg.z_dim)
        c = m.class_labels(args.cls, z.shape[0]) if m.cfg.c_dim > 0 else None
        ws = m.mapping(z, c, args.trunc, args.trunc_cutoff).numpy()
    imgs = [m.synthesis(ws[i:i + args.batch], noise_mode=args.noise).numpy()
            for i in range(0, ws.shape[0], args.batch)]
    np.save(args.npy, np.concatenate(imgs).astype(np.float32))
    if args.ws_out:
        np.save(args.ws_out, np.asarray(ws, dtype=np.float32))
    return 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "--init":  # documented short form: --init OUT --config JSON
        argv = ["init"] + argv[1:]
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch default)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("check-fixture", help="compare with ../shared/fixtures/sg2_tiny32_golden.npz")
    p.add_argument("--fixtures", default=None)
    p = sub.add_parser("init", help="write a random-weight model")
    p.add_argument("init", metavar="OUT.safetensors")
    p.add_argument("--config", required=True, help="JSON of the official Generator init kwargs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--exercise-clamp", action="store_true")
    p = sub.add_parser("generate", help="images as NCHW float32 .npy")
    p.add_argument("-m", "--model", required=True)
    p.add_argument("--seeds", default="0-3")
    p.add_argument("--z", default=None)
    p.add_argument("--ws", default=None)
    p.add_argument("--trunc", type=float, default=1.0)
    p.add_argument("--trunc-cutoff", type=int, default=None)
    p.add_argument("--noise", default="const", choices=["const", "none", "random"])
    p.add_argument("--class", dest="cls", type=int, default=0)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--npy", required=True)
    p.add_argument("--ws-out", default=None)
    args = ap.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    return {"check-fixture": cmd_check_fixture, "init": cmd_init, "generate": cmd_generate}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
