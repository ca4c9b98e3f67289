# stylegan2_tf.py: TensorFlow-era StyleGAN2 pickles (NVlabs stylegan2 / stylegan2-ada TF, e.g. the
# original config-F FFHQ network) -> tensors named as stylegan2-ada-pytorch's G_ema.state_dict(),
# without TensorFlow. The pickle holds (G, D, Gs) or a single dnnlib.tflib.network.Network; the
# restricted unpickler turns each Network into a TFNetwork record of its pickled state (version,
# static_kwargs, components, variables as NumPy arrays); its build_module_src is never executed.
# The conversion restates stylegan2-ada-pytorch's legacy.py (../shared/docs/stylegan2.md,
# "legacy.load_network_pkl"): the config from static_kwargs (channel_base = fmap_base * 2), Dense
# and affine weights transposed, conv weights HWIO -> OIHW, Conv0_up and Skip weights also flipped
# spatially, the affine bias mod_bias + 1, const and noise buffers without their leading axes,
# dlatent_avg -> mapping.w_avg, resample_filter buffers rebuilt from [1, 3, 3, 1].
import numpy as np

from . import ConvertError


class TFNetwork:
    """Plain-data stand-in for dnnlib.tflib.network.Network (what its __getstate__ pickled)."""

    state = None  # until BUILD (NEWOBJ creates the object without calling __init__)

    def __setstate__(self, state):
        self.state = state

    def __repr__(self):
        name = self.state.get("name") if isinstance(self.state, dict) else None
        return f"<TensorFlow network {name}>"


# legacy.convert_tf_generator: static_kwargs name -> (init kwarg path, default, value when None)
_KWARGS = [
    ("latent_size", ("z_dim",), 512, None),
    ("label_size", ("c_dim",), 0, None),
    ("dlatent_size", ("w_dim",), 512, None),
    ("resolution", ("img_resolution",), 1024, None),
    ("num_channels", ("img_channels",), 3, None),
    ("mapping_layers", ("mapping_kwargs", "num_layers"), 8, None),
    ("label_fmaps", ("mapping_kwargs", "embed_features"), None, None),
    ("mapping_fmaps", ("mapping_kwargs", "layer_features"), None, None),
    ("mapping_nonlinearity", ("mapping_kwargs", "activation"), "lrelu", None),
    ("mapping_lrmul", ("mapping_kwargs", "lr_multiplier"), 0.01, None),
    ("w_avg_beta", ("mapping_kwargs", "w_avg_beta"), 0.995, 1),
    ("fmap_base", ("synthesis_kwargs", "channel_base"), 16384, None),  # times 2 below
    ("fmap_max", ("synthesis_kwargs", "channel_max"), 512, None),
    ("num_fp16_res", ("synthesis_kwargs", "num_fp16_res"), 0, None),
    ("conv_clamp", ("synthesis_kwargs", "conv_clamp"), None, None),
    ("architecture", ("synthesis_kwargs", "architecture"), "skip", None),
    ("resample_kernel", ("synthesis_kwargs", "resample_filter"), [1, 3, 3, 1], None),
    ("use_noise", ("synthesis_kwargs", "use_noise"), True, None),
    ("nonlinearity", ("synthesis_kwargs", "activation"), "lrelu", None),
]
_IGNORED_KWARGS = {"truncation_psi", "truncation_cutoff", "style_mixing_prob", "structure"}


def is_tf_pickle(top):
    return isinstance(top, TFNetwork) or (isinstance(top, tuple) and any(isinstance(n, TFNetwork) for n in top))


def _state(net, what):
    st = net.state
    if not isinstance(st, dict):
        raise ConvertError(f"{what}: malformed TensorFlow network record (no state)")
    version = st.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 4:
        raise ConvertError(f"{what}: TensorFlow network pickle version {version!r} is too old (4 or newer "
                           f"is supported, as by legacy.py)")
    for key, kind in (("static_kwargs", dict), ("components", dict), ("variables", (list, tuple))):
        if not isinstance(st.get(key), kind):
            raise ConvertError(f"{what}: malformed TensorFlow network record ({key})")
    return st


def collect_params(net, what, prefix="", out=None, depth=0):
    """{'mapping/Dense0/weight': ndarray, ...} over the network and its components."""
    if out is None:
        out = {}
    if depth > 8:
        raise ConvertError(f"{what}: TensorFlow network components nest too deeply")
    st = _state(net, what)
    for item in st["variables"]:
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)):
            raise ConvertError(f"{what}: malformed TensorFlow variable list")
        name, value = item
        value = getattr(value, "value", value)  # NumPy arrays arrive as _NdArrayStub records
        if isinstance(value, np.generic) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            value = np.asarray(value)  # a scalar variable (e.g. lod)
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
            raise ConvertError(f"{what}: TensorFlow variable {prefix}{name} is not a numeric array")
        out[prefix + name] = value
    for name, comp in st["components"].items():
        if not isinstance(comp, TFNetwork):
            raise ConvertError(f"{what}: TensorFlow component {prefix}{name} is not a network")
        collect_params(comp, what, prefix + str(name) + "/", out, depth + 1)
    return out


def generator_init_kwargs(net, what):
    """The stylegan2-ada-pytorch Generator init kwargs legacy.py derives from static_kwargs."""
    kw = _state(net, what)["static_kwargs"]
    unknown = sorted(set(kw) - {k for k, *_ in _KWARGS} - _IGNORED_KWARGS)
    if unknown:
        raise ConvertError(f"{what}: unknown TensorFlow generator kwarg {unknown[0]!r} (not a StyleGAN2 "
                           f"generator legacy.py converts)")
    init = {"mapping_kwargs": {}, "synthesis_kwargs": {}}
    for tf_name, path, default, none in _KWARGS:
        value = kw.get(tf_name, default)
        if value is None:
            value = none
        if tf_name == "fmap_base":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConvertError(f"{what}: TensorFlow kwarg fmap_base={value!r} is not an integer")
            value *= 2
        if isinstance(value, tuple):
            value = list(value)
        node = init
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
    return init


def _filter_4x4():
    f = np.array([1, 3, 3, 1], dtype=np.float64)
    return (np.outer(f, f) / np.outer(f, f).sum()).astype(np.float32)


def generator_tensors(params, expected, cfg, what):
    """PyTorch names -> arrays for every name of `expected` (an ordered name -> shape table)."""
    if any(name.startswith("ToRGB_lod") for name in params):
        raise ConvertError(f"{what}: a progressive-growing TensorFlow generator (ToRGB_lod*); legacy.py "
                           f"cannot convert it either")
    if list(cfg["synthesis_kwargs"]["resample_filter"]) != [1, 3, 3, 1]:
        raise ConvertError(f"{what}: resample_kernel {cfg['synthesis_kwargs']['resample_filter']} "
                           f"(only [1, 3, 3, 1] is supported)")

    def get(name):
        if name not in params:
            raise ConvertError(f"{what}: TensorFlow variable {name} is missing")
        return params[name]

    def conv(name, flip=False):  # HWIO -> OIHW (Conv0_up and Skip: flipped spatially first)
        v = get(name)
        if v.ndim != 4:
            raise ConvertError(f"{what}: TensorFlow variable {name} has shape {list(v.shape)}, expected "
                               f"a 4-D HWIO kernel")
        return (v[::-1, ::-1] if flip else v).transpose(3, 2, 0, 1)

    def mat(name):  # [in, out] -> [out, in]
        v = get(name)
        if v.ndim != 2:
            raise ConvertError(f"{what}: TensorFlow variable {name} has shape {list(v.shape)}, expected 2-D")
        return v.T

    def noise(i):
        v = get(f"synthesis/noise{i}")
        if v.ndim != 4 or v.shape[:2] != (1, 1):
            raise ConvertError(f"{what}: TensorFlow variable synthesis/noise{i} has shape {list(v.shape)}, "
                               f"expected [1, 1, R, R]")
        return v[0, 0]

    out = {}
    for name in expected:
        parts = name.split(".")
        if parts[-1] == "resample_filter":
            out[name] = _filter_4x4()
            continue
        if parts[0] == "mapping":
            if name == "mapping.w_avg":
                out[name] = get("dlatent_avg")
            elif parts[1] == "embed":
                out[name] = mat("mapping/LabelEmbed/weight") if parts[2] == "weight" else get(
                    "mapping/LabelEmbed/bias")
            else:  # mapping.fc{i}.weight / bias
                i = parts[1][2:]
                out[name] = mat(f"mapping/Dense{i}/weight") if parts[2] == "weight" else get(
                    f"mapping/Dense{i}/bias")
            continue
        r = int(parts[1][1:])
        rr = f"synthesis/{r}x{r}"
        if parts[2] == "const":
            out[name] = get(f"{rr}/Const/const")[0]
            continue
        layer = {"conv0": "Conv0_up", "conv1": "Conv" if r == 4 else "Conv1", "torgb": "ToRGB",
                 "skip": "Skip"}[parts[2]]
        leaf = ".".join(parts[3:])
        base = f"{rr}/{layer}"
        if leaf == "weight":
            out[name] = conv(base + "/weight", flip=layer in ("Conv0_up", "Skip"))
        elif leaf == "bias":
            out[name] = get(base + "/bias")
        elif leaf == "noise_strength":
            out[name] = get(base + "/noise_strength")
        elif leaf == "noise_const":
            log2 = r.bit_length() - 1
            out[name] = noise(0 if r == 4 else 2 * log2 - (5 if parts[2] == "conv0" else 4))
        elif leaf == "affine.weight":
            out[name] = mat(base + "/mod_weight")
        elif leaf == "affine.bias":
            out[name] = get(base + "/mod_bias") + 1
        else:
            raise ConvertError(f"{what}: no TensorFlow variable maps to {name}")
    for name, shape in expected.items():
        out[name] = np.array(out[name], dtype=np.float32, order="C")  # (keeps 0-d scalars 0-d)
        if list(out[name].shape) != list(shape):
            raise ConvertError(f"{what}: TensorFlow variable for {name} has shape {list(out[name].shape)} but "
                               f"the config implies {list(shape)}")
    return out


def pick_network(top, net, what):
    """Gs (G_ema) or G of a (G, D, Gs) tuple, or the single network."""
    if isinstance(top, TFNetwork):
        if net != "G_ema":
            raise ConvertError(f"{what} holds a single TensorFlow network, not (G, D, Gs) with {net}")
        return top
    if len(top) != 3 or not all(isinstance(n, TFNetwork) for n in top):
        raise ConvertError(f"{what}: a TensorFlow StyleGAN2 pickle holds (G, D, Gs) or one network; found a "
                           f"tuple of {len(top)}")
    return top[2] if net == "G_ema" else top[0]


# Merged into stylegan2.PICKLE_GLOBALS (which already maps dnnlib's EasyDict).
PICKLE_GLOBALS = {("dnnlib.tflib.network", "Network"): TFNetwork}
