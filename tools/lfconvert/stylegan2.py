# stylegan2.py: NVlabs stylegan2-ada-pytorch network pickles -> tensors named as G_ema.state_dict().
# The pickle is read with the restricted unpickler: persistence-wrapped classes become plain
# PersistentObject records (their embedded module source is never executed), each tensor storage is
# an embedded legacy torch.save blob parsed by torchfile.load_legacy_bytes. The configuration comes
# from the Generator's init kwargs; every tensor is checked against the shapes that configuration
# implies (the constructors of training/networks.py restated below).
import collections
import hashlib
import json

from . import ConvertError
from . import stylegan2_tf
from . import torchfile as tf


class PersistentObject:
    """Plain-data stand-in for an object reconstructed by torch_utils.persistence."""

    def __init__(self, meta):
        if not isinstance(meta, dict) or meta.get("type") != "class":
            raise ConvertError("malformed persistent object record (expected type 'class')")
        self.class_name = meta.get("class_name")
        self.version = meta.get("version")
        self.state = meta.get("state")
        src = meta.get("module_src")
        if not (isinstance(self.class_name, str) and isinstance(self.state, dict) and isinstance(src, str)):
            raise ConvertError("malformed persistent object record (class_name/state/module_src)")
        # Kept only to recognise the defining module; never compiled or executed.
        self.module_src_sha256 = hashlib.sha256(src.encode("utf-8")).hexdigest()
        self.is_stylegan3 = "class SynthesisInput" in src

    def __repr__(self):
        return f"<persistent {self.class_name}>"


def _reconstruct_persistent_obj(meta):
    return PersistentObject(meta)


def _load_from_bytes(blob):
    return tf.load_legacy_bytes(blob, "embedded storage")


PICKLE_GLOBALS = dict(tf.TORCH_GLOBALS)
PICKLE_GLOBALS.update(tf.NUMPY_GLOBALS)
PICKLE_GLOBALS.update({
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
    ("torch.storage", "_load_from_bytes"): _load_from_bytes,
    ("dnnlib.util", "EasyDict"): tf.EasyDict,
    ("dnnlib", "EasyDict"): tf.EasyDict,
})
PICKLE_GLOBALS.update(stylegan2_tf.PICKLE_GLOBALS)  # TensorFlow-era pickles (stylegan2_tf.py)


def load_pickle(path):
    name = path.rsplit("/", 1)[-1]
    try:
        f = open(path, "rb")
    except OSError as e:
        raise ConvertError(f"cannot open {path}: {e.strerror}") from None
    with f:
        head = f.read(2)
        f.seek(0)
        if head == b"PK":
            raise ConvertError(f"{name}: a torch.save zip archive, not a StyleGAN2 network pickle")
        return tf.restricted_load(f, PICKLE_GLOBALS, None, what=name)


def module_state_dict(obj, prefix="", out=None):
    """torch.nn.Module.state_dict() over PersistentObject records: own parameters, own persistent
    buffers, then children, recursively (None entries skipped, as torch does)."""
    if out is None:
        out = collections.OrderedDict()
    if not isinstance(obj, PersistentObject):
        raise ConvertError(f"module {prefix[:-1] or '<root>'} is a {type(obj).__name__}, not a "
                           f"StyleGAN2 persistent module")
    st = obj.state
    params, buffers, modules = st.get("_parameters"), st.get("_buffers"), st.get("_modules")
    if not all(isinstance(d, dict) for d in (params, buffers, modules)):
        raise ConvertError(f"module {prefix[:-1] or '<root>'} ({obj.class_name}) lacks "
                           f"_parameters/_buffers/_modules")
    non_persistent = st.get("_non_persistent_buffers_set") or set()
    for kind, table in (("parameter", params), ("buffer", buffers)):
        for key, t in table.items():
            if t is None or (kind == "buffer" and key in non_persistent):
                continue
            if not isinstance(t, tf.Tensor):
                raise ConvertError(f"{kind} {prefix}{key} is a {type(t).__name__}, not a tensor")
            out[prefix + key] = t
    for key, m in modules.items():
        if m is not None:
            module_state_dict(m, prefix + key + ".", out)
    return out


GENERATOR_ARGS = ["z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs",
                  "synthesis_kwargs"]
MAPPING_DEFAULTS = dict(num_layers=8, embed_features=None, layer_features=None, activation="lrelu",
                        lr_multiplier=0.01, w_avg_beta=0.995)
SYNTHESIS_DEFAULTS = dict(channel_base=32768, channel_max=512, num_fp16_res=0,
                          # SynthesisBlock
                          architecture="skip", resample_filter=[1, 3, 3, 1], conv_clamp=None,
                          fp16_channels_last=False,
                          # SynthesisLayer (layer_kwargs)
                          kernel_size=3, use_noise=True, activation="lrelu")


def _int(cfg, key, lo=0):
    v = cfg.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ConvertError(f"Generator init kwarg {key}={v!r} is not an integer >= {lo}")
    return v


def generator_config(G):
    """(init_kwargs as pickled, fully resolved config with every default filled in)."""
    args = G.state.get("_init_args", ())
    kwargs = G.state.get("_init_kwargs")
    if not isinstance(kwargs, dict) or not isinstance(args, (tuple, list)):
        raise ConvertError("the Generator record has no _init_kwargs (not a stylegan2-ada-pytorch "
                           "persistent network)")
    if len(args) > len(GENERATOR_ARGS):
        raise ConvertError(f"Generator has {len(args)} positional init args, at most "
                           f"{len(GENERATOR_ARGS)} expected")
    init = dict(zip(GENERATOR_ARGS, args))
    for k, v in kwargs.items():
        if k in init:
            raise ConvertError(f"Generator init arg {k} given twice")
        init[k] = v
    return init, resolve_config(init)


def resolve_config(init):
    """The fully resolved config (every default filled in) of Generator init kwargs."""
    # The stylegan3 repository's networks_stylegan2.Generator (same modules and state_dict names)
    # takes the synthesis kwargs flat: Generator(z_dim, ..., mapping_kwargs={}, **synthesis_kwargs).
    flat = {k: init[k] for k in init if k not in GENERATOR_ARGS and k in SYNTHESIS_DEFAULTS}
    unknown = sorted(set(init) - set(GENERATOR_ARGS) - set(flat))
    if unknown:
        raise ConvertError(f"unknown Generator init kwargs {unknown} (not a stylegan2-ada-pytorch "
                           f"Generator)")
    res = {k: v for k, v in init.items() if k not in flat}
    if flat:
        if res.get("synthesis_kwargs"):
            raise ConvertError("Generator has both synthesis_kwargs and flat synthesis arguments")
        res["synthesis_kwargs"] = flat
    for k in GENERATOR_ARGS[:5]:
        _int(res, k, 1 if k in ("w_dim", "img_resolution", "img_channels") else 0)
    r = res["img_resolution"]
    if r < 4 or r & (r - 1):
        raise ConvertError(f"img_resolution {r} is not a power of two >= 4")
    mk = dict(res.get("mapping_kwargs") or {})
    sk = dict(res.get("synthesis_kwargs") or {})
    for given, defaults, what in ((mk, MAPPING_DEFAULTS, "mapping_kwargs"),
                                  (sk, SYNTHESIS_DEFAULTS, "synthesis_kwargs")):
        bad = sorted(set(given) - set(defaults))
        if bad:
            raise ConvertError(f"unknown {what} {bad} (not supported by this converter)")
    m = dict(MAPPING_DEFAULTS, **mk)
    s = dict(SYNTHESIS_DEFAULTS, **sk)
    _int(m, "num_layers", 1)
    for k in ("channel_base", "channel_max"):
        _int(s, k, 1)
    _int(s, "num_fp16_res", 0)
    _int(s, "kernel_size", 1)
    if s["architecture"] not in ("orig", "skip", "resnet"):
        raise ConvertError(f"unknown synthesis architecture {s['architecture']!r}")
    res["mapping_kwargs"], res["synthesis_kwargs"] = m, s
    return res


def _filter_shape(f):
    """Shape of upfirdn2d.setup_filter(f): 1-D with >= 8 taps stays separable, else outer product."""
    if isinstance(f, (int, float)):
        return [1]
    if not isinstance(f, (list, tuple)) or not f:
        raise ConvertError(f"resample_filter {f!r} is not a list of numbers")
    if isinstance(f[0], (list, tuple)):
        return [len(f), len(f[0])]
    return [len(f)] if len(f) >= 8 else [len(f), len(f)]


def expected_shapes(cfg):
    """name -> shape of G.state_dict() for a resolved config, in state_dict order."""
    m, s = cfg["mapping_kwargs"], cfg["synthesis_kwargs"]
    z_dim, c_dim, w_dim = cfg["z_dim"], cfg["c_dim"], cfg["w_dim"]
    res_log2 = cfg["img_resolution"].bit_length() - 1
    resolutions = [2 ** i for i in range(2, res_log2 + 1)]
    ch = {r: min(s["channel_base"] // r, s["channel_max"]) for r in resolutions}
    k = s["kernel_size"]
    filt = _filter_shape(s["resample_filter"])
    default_filt = [4, 4]
    out = collections.OrderedDict()

    def fc(prefix, fin, fout):
        out[prefix + ".weight"] = [fout, fin]
        out[prefix + ".bias"] = [fout]

    def layer(prefix, cin, cout, r, f):
        out[prefix + ".weight"] = [cout, cin, k, k]
        if s["use_noise"]:
            out[prefix + ".noise_strength"] = []
        out[prefix + ".bias"] = [cout]
        out[prefix + ".resample_filter"] = f
        if s["use_noise"]:
            out[prefix + ".noise_const"] = [r, r]
        fc(prefix + ".affine", w_dim, cin)

    num_ws = 0
    for r in resolutions:
        p = f"synthesis.b{r}"
        cin = ch[r // 2] if r > 4 else 0
        cout = ch[r]
        if cin == 0:
            out[p + ".const"] = [cout, r, r]
        out[p + ".resample_filter"] = filt
        if cin:
            layer(p + ".conv0", cin, cout, r, filt)  # conv0 gets the block's filter
            num_ws += 1
        layer(p + ".conv1", cout, cout, r, default_filt)  # conv1 keeps SynthesisLayer's default
        num_ws += 1
        if r == resolutions[-1] or s["architecture"] == "skip":
            out[p + ".torgb.weight"] = [cfg["img_channels"], cout, 1, 1]
            out[p + ".torgb.bias"] = [cfg["img_channels"]]
            fc(p + ".torgb.affine", w_dim, cout)
            if r == resolutions[-1]:
                num_ws += 1
        if cin and s["architecture"] == "resnet":
            out[p + ".skip.weight"] = [cout, cin, 1, 1]
            out[p + ".skip.resample_filter"] = filt
    embed = (w_dim if m["embed_features"] is None else m["embed_features"]) if c_dim else 0
    layer_features = w_dim if m["layer_features"] is None else m["layer_features"]
    feats = [z_dim + embed] + [layer_features] * (m["num_layers"] - 1) + [w_dim]
    if m["w_avg_beta"] is not None:
        out["mapping.w_avg"] = [w_dim]
    if c_dim:
        fc("mapping.embed", c_dim, embed)
    for i in range(m["num_layers"]):
        fc(f"mapping.fc{i}", feats[i], feats[i + 1])
    cfg["num_ws"] = num_ws
    return out


def check_shapes(tensors, cfg):
    want = expected_shapes(cfg)
    s = cfg["synthesis_kwargs"]
    why = (f"z_dim {cfg['z_dim']}, w_dim {cfg['w_dim']}, img_resolution {cfg['img_resolution']}, "
           f"channel_base {s['channel_base']}, channel_max {s['channel_max']}")
    for name, shape in want.items():
        t = tensors.get(name)
        if t is None:
            raise ConvertError(f"tensor {name} is missing; the config ({why}) requires it")
        if list(t.shape) != shape:
            raise ConvertError(f"tensor {name} has shape {list(t.shape)} but the config ({why}) implies "
                               f"{shape}")
    extra = [n for n in tensors if n not in want]
    if extra:
        raise ConvertError(f"tensor {extra[0]} is not part of a stylegan2-ada-pytorch Generator with "
                           f"this config ({len(extra)} unexpected tensors)")


def convert(path, net="G_ema"):
    """Returns (tensors: dict name -> ndarray, metadata: dict str -> str)."""
    name = path.rsplit("/", 1)[-1]
    top = load_pickle(path)
    if stylegan2_tf.is_tf_pickle(top):
        return convert_tf(top, name, net)
    if isinstance(top, PersistentObject):
        G = top  # a bare pickled Generator
        if net != "G_ema":
            raise ConvertError(f"{name} holds a single network, not a dict with {net}")
    elif isinstance(top, dict) and any(isinstance(top.get(k), PersistentObject) for k in ("G", "G_ema")):
        if net not in top:
            raise ConvertError(f"{name} has no {net} network (keys: {sorted(map(str, top))})")
        G = top[net]
    else:
        found = f"dict with keys {sorted(map(str, top))[:8]}" if isinstance(top, dict) else type(top).__name__
        raise ConvertError(f"{name} is not a StyleGAN2 network pickle (expected a dict with G, D, "
                           f"G_ema as stylegan2-ada-pytorch writes; found a {found})")
    if not isinstance(G, PersistentObject) or G.class_name != "Generator":
        raise ConvertError(f"{name}: {net} is not a persistent Generator (found {G!r})")
    if G.is_stylegan3:
        raise ConvertError(f"{name}: {net} is a StyleGAN3 generator; only StyleGAN2 is supported")
    init, cfg = generator_config(G)
    refs = module_state_dict(G)
    check_shapes(refs, cfg)
    tensors = {}
    for key, t in refs.items():
        tensors[key] = tf.materialize(key, t)
    return tensors, _metadata(init, cfg, net, persistence_version=str(G.version),
                              source_module_sha256=G.module_src_sha256)


def _metadata(init, cfg, net, **extra):
    """The metadata of a converted generator: its init kwargs, the resolved config, num_ws, `extra`."""
    return {"architecture": "stylegan2", "net": net,
            "config": json.dumps(init, sort_keys=True, default=_json_default),
            "config_resolved": json.dumps(cfg, sort_keys=True, default=_json_default),
            "num_ws": str(cfg["num_ws"]), **extra}


def convert_tf(top, name, net):
    """A TensorFlow-era pickle, converted as stylegan2-ada-pytorch's legacy.py does."""
    G = stylegan2_tf.pick_network(top, net, name)
    init = stylegan2_tf.generator_init_kwargs(G, name)
    cfg = resolve_config(init)
    expected = expected_shapes(cfg)
    params = stylegan2_tf.collect_params(G, name)
    tensors = stylegan2_tf.generator_tensors(params, expected, cfg, name)
    return tensors, _metadata(init, cfg, net, tensorflow_pickle_version=str(G.state["version"]))


def _json_default(o):
    if hasattr(o, "item"):  # NumPy scalars
        return o.item()
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"cannot represent {type(o).__name__} in JSON")
