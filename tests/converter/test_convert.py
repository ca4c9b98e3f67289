#!/usr/bin/env python3
# test_convert.py: tests of tools/convert.py (unittest; Python stdlib + NumPy, no PyTorch).
#   fixtures: converts the official-format fixtures in ../shared/fixtures (LF_FIXTURES_DIR overrides)
#             and checks every tensor against tests/golden/converter_checksums.json (written with
#             PyTorch by tools/reference/make_converter_golden.py), the metadata, the safetensors
#             layout, determinism, and truncated / inconsistent / mismatched inputs.
#   crafted:  inputs built here without torch (tests/converter/torch_writer.py): malicious pickles,
#             FastGAN checkpoints with missing keys / wrong shapes / g_ema / legacy container /
#             'module.' prefix, a conditional resnet StyleGAN2 pickle with EasyDict kwargs,
#             TensorFlow-era (G, D, Gs) pickles of dnnlib.tflib.network.Network objects.
# Usage: test_convert.py [fixtures|crafted]... (default: both). Exit code 77 = skipped (ctest
# SKIP_RETURN_CODE) when NumPy or, for 'fixtures', the fixtures folder is missing.
import hashlib
import json
import os
import pickle
import pickletools
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

try:
    import numpy as np
except ImportError:
    print(f"SKIP: NumPy is not importable by {sys.executable}")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
CONVERT = os.path.join(REPO, "tools", "convert.py")
GOLDEN = os.path.join(REPO, "tests", "golden", "converter_checksums.json")
FIXTURES = (os.environ.get("LF_FIXTURES_DIR")
            or os.path.normpath(os.path.join(REPO, "..", "shared", "fixtures")))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import torch_writer as W  # noqa: E402

ST_NP = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64}


def read_safetensors(path):
    """Independent strict reader: (tensors, metadata, header, data_start)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("ascii"))
    meta = header.pop("__metadata__")
    data = blob[8 + n:]
    tensors = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        dt = np.dtype(ST_NP[info["dtype"]]).newbyteorder("<")
        tensors[name] = np.frombuffer(data[b:e], dtype=dt).reshape(info["shape"])
    return tensors, meta, header, blob[8:8 + n], len(data)


def run_convert(*args, cwd=None):
    return subprocess.run([sys.executable, CONVERT, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=900)


class ConvertTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lf-convert-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def assert_ok(self, proc):
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")

    def assert_error(self, proc, *needles, out=None):
        """Exit 1, exactly one stderr line 'convert.py: error: ...' containing each needle, no traceback,
        and no output file."""
        self.assertEqual(proc.returncode, 1, f"stdout={proc.stdout!r} stderr={proc.stderr!r}")
        self.assertNotIn("Traceback", proc.stderr)
        lines = proc.stderr.rstrip("\n").split("\n")
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith("convert.py: error: "), lines[0])
        for n in needles:
            self.assertIn(n, lines[0])
        if out is not None:
            self.assertFalse(os.path.exists(out), "an output file was written despite the error")
        leftovers = [f for f in os.listdir(self.tmp) if f.startswith(".convert-")]
        self.assertEqual(leftovers, [], "temporary output left behind")
        return lines[0]


# ---------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------

class FixtureConversions(ConvertTestCase):
    golden = None
    outdir = None

    @classmethod
    def setUpClass(cls):
        with open(GOLDEN) as f:
            cls.golden = json.load(f)["conversions"]
        cls.outdir = tempfile.mkdtemp(prefix="lf-convert-fixtures-")
        cls.outputs = {}
        cls.procs = {}
        for c in cls.golden:
            out = os.path.join(cls.outdir, c["id"] + ".safetensors")
            cls.procs[c["id"]] = run_convert(c["command"], os.path.join(FIXTURES, c["input"]), out,
                                             *c["args"])
            cls.outputs[c["id"]] = out

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.outdir, ignore_errors=True)

    def test_conversions_succeed(self):
        for c in self.golden:
            with self.subTest(c["id"]):
                self.assert_ok(self.procs[c["id"]])

    def test_tensors_match_golden(self):
        for c in self.golden:
            with self.subTest(c["id"]):
                tensors, _meta, header, _raw, _ = read_safetensors(self.outputs[c["id"]])
                self.assertEqual(sorted(tensors), sorted(c["tensors"]))
                for name, want in c["tensors"].items():
                    got = tensors[name]
                    self.assertEqual(list(got.shape), want["shape"], name)
                    self.assertEqual(header[name]["dtype"], want["dtype"], name)
                    if not want.get("folded"):
                        # Plain copies of stored tensors: bit-exact.
                        self.assertEqual(hashlib.sha256(got.tobytes()).hexdigest(), want["sha256"], name)
                        continue
                    # Spectral-norm folded weights: sigma is rounded to float32 from a float64 dot
                    # product here and accumulated in float32 by torch, so elements may differ by an
                    # ulp or two (~1.2e-7 relative); sums must agree to 1e-6 relative.
                    d = got.astype(np.float64)
                    self.assertLessEqual(abs(d.sum() - want["sum"]), 1e-6 * want["sum_abs"], name)
                    self.assertLessEqual(abs((d * d).sum() - want["sum_sq"]), 1e-6 * want["sum_sq"], name)
                    self.assertLessEqual(abs(np.abs(d).sum() - want["sum_abs"]), 1e-6 * want["sum_abs"], name)

    def test_metadata(self):
        for c in self.golden:
            with self.subTest(c["id"]):
                _t, meta, _h, _raw, _ = read_safetensors(self.outputs[c["id"]])
                self.assertEqual(sorted(meta), c["metadata_keys"])
                self.assertTrue(all(isinstance(v, str) for v in meta.values()))
                for k, v in c["metadata"].items():
                    self.assertEqual(meta[k], v, k)
                self.assertTrue(meta["converter"].startswith("tools/convert.py "))
                h = hashlib.sha256()
                with open(os.path.join(FIXTURES, c["input"]), "rb") as f:
                    h.update(f.read())
                self.assertEqual(meta["source_sha256"], h.hexdigest())
                fixture_json = os.path.join(FIXTURES, os.path.splitext(c["input"])[0] + ".json")
                if c["command"] in ("stylegan2", "fastgan") and os.path.exists(fixture_json):
                    with open(fixture_json) as f:
                        kwargs = json.load(f)["generator_kwargs"]
                    self.assertEqual(json.loads(meta["config"]), kwargs)

    def test_stylegan2_resolved_config(self):
        _t, meta, _h, _raw, _ = read_safetensors(self.outputs["sg2_tiny32_G_ema"])
        cfg = json.loads(meta["config_resolved"])
        self.assertEqual(cfg["num_ws"], 8)
        self.assertEqual(cfg["mapping_kwargs"]["num_layers"], 3)
        self.assertEqual(cfg["mapping_kwargs"]["lr_multiplier"], 0.01)
        self.assertEqual(cfg["synthesis_kwargs"]["architecture"], "skip")
        self.assertEqual(cfg["synthesis_kwargs"]["conv_clamp"], 256)

    def test_g_and_g_ema_differ(self):
        a, *_ = read_safetensors(self.outputs["sg2_tiny32_G_ema"])
        b, *_ = read_safetensors(self.outputs["sg2_tiny32_G"])
        self.assertNotEqual(a["mapping.fc0.weight"].tobytes(), b["mapping.fc0.weight"].tobytes())

    def test_safetensors_layout(self):
        for c in self.golden:
            with self.subTest(c["id"]):
                path = self.outputs[c["id"]]
                _t, _m, header, raw, ndata = read_safetensors(path)
                self.assertEqual(len(raw) % 8, 0)
                self.assertEqual(raw, raw.rstrip(b" ") + b" " * (len(raw) - len(raw.rstrip(b" "))))
                self.assertEqual(next(iter(json.loads(raw))), "__metadata__")
                names = list(header)
                self.assertEqual(names, sorted(names), "header tensors must be sorted by name")
                spans = sorted((info["data_offsets"], name) for name, info in header.items())
                pos = 0
                for (b, e), name in spans:
                    self.assertEqual(b, pos, f"gap/overlap before {name}")
                    item = np.dtype(ST_NP[header[name]["dtype"]]).itemsize
                    self.assertEqual(b % item, 0, f"{name} is not aligned to its element size")
                    self.assertEqual(e - b, item * int(np.prod(header[name]["shape"], dtype=np.int64)))
                    pos = e
                self.assertEqual(pos, ndata)

    def test_deterministic(self):
        for c in self.golden:
            with self.subTest(c["id"]):
                out = self.path(c["id"] + ".again.safetensors")
                self.assert_ok(run_convert(c["command"], os.path.join(FIXTURES, c["input"]), out,
                                           *c["args"], cwd=self.tmp))
                with open(out, "rb") as f1, open(self.outputs[c["id"]], "rb") as f2:
                    self.assertTrue(f1.read() == f2.read(), "second conversion differs")

    def test_truncated_stylegan2_pickle(self):
        with open(os.path.join(FIXTURES, "sg2_tiny32.pkl"), "rb") as f:
            data = f.read()
        for cut in (0, 1, 11, 40000, len(data) // 2, len(data) - 1):
            with self.subTest(cut=cut):
                src = self.write("cut.pkl", data[:cut])
                out = self.path("cut.safetensors")
                self.assert_error(run_convert("stylegan2", src, out), out=out)

    def test_truncated_fastgan_zip(self):
        with open(os.path.join(FIXTURES, "fastgan_tiny256.pth"), "rb") as f:
            data = f.read()
        for cut in (100, len(data) // 2, len(data) - 30):
            with self.subTest(cut=cut):
                src = self.write("cut.pth", data[:cut])
                out = self.path("cut.safetensors")
                self.assert_error(run_convert("fastgan", src, out), "zip", out=out)

    def test_stylegan2_config_mismatch(self):
        # Rewrite every channel_max=48 in the pickle to 40: tensors no longer fit the channel formula.
        with open(os.path.join(FIXTURES, "sg2_tiny32.pkl"), "rb") as f:
            data = bytearray(f.read())
        memo, key_idx, patched, want_value, key_string = 0, set(), 0, False, False
        for op, arg, pos in pickletools.genops(bytes(data)):
            if op.name == "MEMOIZE":  # protocol 4 memo: indices in order of appearance
                if key_string:
                    key_idx.add(memo)
                memo += 1
                continue
            if want_value:  # the op after the 'channel_max' key is its value
                if op.name == "BININT1" and arg == 48:
                    data[pos + 1] = 40
                    patched += 1
                want_value = False
            key_string = op.name.endswith("UNICODE") and arg == "channel_max"
            if key_string or (op.name in ("BINGET", "LONG_BINGET") and arg in key_idx):
                want_value = True
        self.assertGreater(patched, 0)
        src = self.write("mismatch.pkl", bytes(data))
        out = self.path("mismatch.safetensors")
        line = self.assert_error(run_convert("stylegan2", src, out), "tensor synthesis.", "channel_max 40",
                                 out=out)
        self.assertIn("shape", line)

    def test_wrong_subcommand_inputs(self):
        out = self.path("x.safetensors")
        self.assert_error(run_convert("stylegan2", os.path.join(FIXTURES, "fastgan_tiny256.pth"), out),
                          "not a StyleGAN2 network pickle", out=out)
        self.assert_error(run_convert("fastgan", os.path.join(FIXTURES, "sg2_tiny32.pkl"), out),
                          "sg2_tiny32.pkl", out=out)
        self.assert_error(run_convert("inception", os.path.join(FIXTURES, "fastgan_tiny256.pth"), out),
                          "not a state_dict", out=out)
        self.assert_error(run_convert("fastgan", os.path.join(FIXTURES, "fid_inception_random.pth"), out),
                          "not a FastGAN checkpoint", out=out)
        self.assert_error(run_convert("stylegan2", self.path("missing.pkl"), out), "missing.pkl", out=out)


# ---------------------------------------------------------------------------------------------------
# Crafted inputs (no fixtures needed)
# ---------------------------------------------------------------------------------------------------

NFC_MULT = {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5, 512: 0.25, 1024: 0.125}


def fastgan_state(ngf, nz, im_size, rng, nc=3):
    """(state_dict name -> array, [parameter names], {sn prefix: transposed?}) for models.py's
    Generator, written out independently of the converter (registration order)."""
    nfc = {r: int(m * ngf) for r, m in NFC_MULT.items()}
    sd, params, sn = {}, [], {}

    def conv(p, cin, cout, k, transposed=False):
        shape = (cin, cout, k, k) if transposed else (cout, cin, k, k)
        sd[p + ".weight_orig"] = rng.standard_normal(shape).astype(np.float32)
        params.append(p + ".weight_orig")
        u = rng.standard_normal(cout).astype(np.float32)
        v = rng.standard_normal(cin * k * k).astype(np.float32)
        sd[p + ".weight_u"] = u / np.linalg.norm(u)
        sd[p + ".weight_v"] = v / np.linalg.norm(v)
        sn[p] = transposed

    def bn(p, c):
        sd[p + ".weight"] = rng.standard_normal(c).astype(np.float32)
        sd[p + ".bias"] = rng.standard_normal(c).astype(np.float32)
        params.extend([p + ".weight", p + ".bias"])
        sd[p + ".running_mean"] = rng.standard_normal(c).astype(np.float32)
        sd[p + ".running_var"] = rng.uniform(0.5, 2, c).astype(np.float32)
        sd[p + ".num_batches_tracked"] = np.array(1234, dtype=np.int64)

    def noise(p):
        sd[p + ".weight"] = rng.standard_normal(1).astype(np.float32)
        params.append(p + ".weight")

    def up(p, cin, cout):
        conv(p + ".1", cin, 2 * cout, 3)
        bn(p + ".2", 2 * cout)

    def up_comp(p, cin, cout):
        conv(p + ".1", cin, 2 * cout, 3)
        noise(p + ".2")
        bn(p + ".3", 2 * cout)
        conv(p + ".5", cout, 2 * cout, 3)
        noise(p + ".6")
        bn(p + ".7", 2 * cout)

    def se(p, cin, cout):
        conv(p + ".main.1", cin, cout, 4)
        conv(p + ".main.3", cout, cout, 1)

    conv("init.init.0", nz, 2 * nfc[4], 4, transposed=True)
    bn("init.init.1", 2 * nfc[4])
    up_comp("feat_8", nfc[4], nfc[8])
    up("feat_16", nfc[8], nfc[16])
    up_comp("feat_32", nfc[16], nfc[32])
    up("feat_64", nfc[32], nfc[64])
    up_comp("feat_128", nfc[64], nfc[128])
    up("feat_256", nfc[128], nfc[256])
    se("se_64", nfc[4], nfc[64])
    se("se_128", nfc[8], nfc[128])
    se("se_256", nfc[16], nfc[256])
    conv("to_128", nfc[128], nc, 1)
    conv("to_big", nfc[im_size], nc, 3)
    if im_size > 256:
        up_comp("feat_512", nfc[256], nfc[512])
        se("se_512", nfc[32], nfc[512])
    if im_size > 512:
        up("feat_1024", nfc[512], nfc[1024])
    return sd, params, sn


def fastgan_checkpoint(sd, params, ema=None, prefix="", drop=(), replace=None, legacy=False):
    tf = W.TensorFactory()
    g = W.collections.OrderedDict()
    for k, v in sd.items():
        if k in drop:
            continue
        v = (replace or {}).get(k, v)
        g[prefix + k] = tf.tensor(v)
    obj = {"g": g, "d": W.collections.OrderedDict()}
    if ema is not None:
        obj["g_ema"] = [tf.tensor(a, param=True) for a in ema]
        obj["opt_g"] = {"state": {}, "param_groups": [{"lr": 2e-4, "betas": (0.5, 0.999)}]}
    return W.legacy_bytes(obj, tf.storages) if legacy else W.zip_bytes(obj, tf.storages)


def fold_reference(w, u, v, transposed):
    wm = np.transpose(w, (1, 0, 2, 3)) if transposed else w
    wm = wm.reshape(wm.shape[0], -1).astype(np.float64)
    sigma = u.astype(np.float64) @ (wm @ v.astype(np.float64))
    return w.astype(np.float64) / sigma


class CraftedFastGAN(ConvertTestCase):
    def setUp(self):
        super().setUp()
        self.sd, self.params, self.sn = fastgan_state(8, 8, 512, np.random.default_rng(1))

    def check_output(self, out, source):
        tensors, meta, *_ = read_safetensors(out)
        for p, transposed in self.sn.items():
            w = fold_reference(source[p + ".weight_orig"], source[p + ".weight_u"], source[p + ".weight_v"],
                               transposed)
            got = tensors[p + ".weight"]
            self.assertEqual(got.dtype, np.float32)
            err = np.abs(got - w).max() / np.abs(w).max()
            self.assertLess(err, 1e-6, p)  # float32 rounding of weight_orig / sigma
            self.assertNotIn(p + ".weight_orig", tensors)
            self.assertNotIn(p + ".weight_u", tensors)
        for k, v in source.items():
            if k.endswith((".weight_orig", ".weight_u", ".weight_v")):
                continue
            self.assertEqual(tensors[k].dtype, v.dtype, k)
            self.assertEqual(tensors[k].tobytes(), np.ascontiguousarray(v).tobytes(), k)
        self.assertEqual(len(tensors), len(source) - 2 * len(self.sn))
        self.assertEqual(json.loads(meta["config"]), {"ngf": 8, "nz": 8, "nc": 3, "im_size": 512})
        return tensors, meta

    def test_zip_legacy_prefix_and_g_ema(self):
        rng = np.random.default_rng(2)
        ema = [rng.standard_normal(self.sd[k].shape).astype(np.float32) for k in self.params]
        outs = {}
        for legacy in (False, True):
            src = self.write(f"ck{legacy}.pth", fastgan_checkpoint(self.sd, self.params, ema, "module.",
                                                                  legacy=legacy))
            for weights in ("g", "g_ema"):
                out = self.path(f"out_{legacy}_{weights}.safetensors")
                self.assert_ok(run_convert("fastgan", src, out, "--weights", weights))
                source = dict(self.sd)
                if weights == "g_ema":
                    source.update(zip(self.params, ema))  # EMA parameters; BN/SN buffers from 'g'
                _t, meta = self.check_output(out, source)
                self.assertEqual(meta["module_prefix_stripped"], "module.")
                self.assertEqual(meta["weights"], weights)
                self.assertEqual(meta["container"], "legacy" if legacy else "zip")
                outs[legacy, weights] = read_safetensors(out)[0]
        for weights in ("g", "g_ema"):
            a, b = outs[False, weights], outs[True, weights]
            self.assertTrue(all(a[k].tobytes() == b[k].tobytes() for k in a))

    def test_missing_key(self):
        for key in ("feat_16.2.running_var", "se_512.main.3.weight_v", "init.init.0.weight_orig",
                    "to_big.weight_orig"):
            with self.subTest(key):
                src = self.write("ck.pth", fastgan_checkpoint(self.sd, self.params, drop=(key,)))
                out = self.path("o.safetensors")
                self.assert_error(run_convert("fastgan", src, out), key, out=out)

    def test_optional_num_batches_tracked(self):
        drop = [k for k in self.sd if k.endswith("num_batches_tracked")]
        src = self.write("ck.pth", fastgan_checkpoint(self.sd, self.params, drop=drop))
        out = self.path("o.safetensors")
        self.assert_ok(run_convert("fastgan", src, out))
        tensors, *_ = read_safetensors(out)
        self.assertFalse(any(k.endswith("num_batches_tracked") for k in tensors))

    def test_wrong_shape(self):
        for key in ("se_128.main.1.weight_orig", "feat_8.3.bias", "feat_512.6.weight"):
            with self.subTest(key):
                bad = np.zeros((3,) + self.sd[key].shape, np.float32)
                src = self.write("ck.pth", fastgan_checkpoint(self.sd, self.params, replace={key: bad}))
                out = self.path("o.safetensors")
                self.assert_error(run_convert("fastgan", src, out), key, "shape", out=out)

    def test_unexpected_key(self):
        sd = dict(self.sd)
        sd["feat_2048.1.weight_orig"] = np.zeros((1, 1, 3, 3), np.float32)
        src = self.write("ck.pth", fastgan_checkpoint(sd, self.params))
        out = self.path("o.safetensors")
        self.assert_error(run_convert("fastgan", src, out), "feat_2048.1.weight_orig", out=out)

    def test_g_ema_inconsistent(self):
        ema = [self.sd[k] for k in self.params]
        out = self.path("o.safetensors")
        src = self.write("ck.pth", fastgan_checkpoint(self.sd, self.params, ema[:-1]))
        self.assert_error(run_convert("fastgan", src, out, "--weights", "g_ema"), "g_ema", out=out)
        ema[5] = np.zeros(7, np.float32)
        src = self.write("ck.pth", fastgan_checkpoint(self.sd, self.params, ema))
        self.assert_error(run_convert("fastgan", src, out, "--weights", "g_ema"), "g_ema[5]",
                          self.params[5], out=out)
        src = self.write("ck.pth", fastgan_checkpoint(self.sd, self.params))
        self.assert_error(run_convert("fastgan", src, out, "--weights", "g_ema"), "g_ema", out=out)

    def test_unsupported_dtype(self):
        tf = W.TensorFactory()
        g = W.collections.OrderedDict((k, tf.tensor(v)) for k, v in self.sd.items())
        n = self.sd["feat_8.3.bias"].size
        st = W.Storage("bf", np.zeros(n, np.uint16), class_name="BFloat16Storage")
        tf.storages["bf"] = st
        g["feat_8.3.bias"] = W.Call(W.Global("torch._utils", "_rebuild_tensor_v2"),
                                    (st, 0, (n,), (1,), False, W.collections.OrderedDict()))
        src = self.write("ck.pth", W.zip_bytes({"g": g}, tf.storages))
        out = self.path("o.safetensors")
        self.assert_error(run_convert("fastgan", src, out), "feat_8.3.bias", "bfloat16", out=out)

    def test_truncated_legacy(self):
        data = fastgan_checkpoint(self.sd, self.params, legacy=True)
        for cut in (5, len(data) // 3, len(data) - 3):
            with self.subTest(cut=cut):
                src = self.write("ck.pth", data[:cut])
                out = self.path("o.safetensors")
                self.assert_error(run_convert("fastgan", src, out), out=out)


class MaliciousInputs(ConvertTestCase):
    def marker(self):
        return self.path("PWNED")

    def payloads(self):
        m = self.marker()
        cmd = f"touch {m}"
        yield "os.system", b"cos\nsystem\n(S'" + cmd.encode() + b"'\ntR."
        yield "posix.system", W.dumps(W.Call(W.Global("posix", "system"), (cmd,)), protocol=4)
        yield "builtins.eval", W.dumps({"G_ema": W.Call(W.Global("builtins", "eval"),
                                                        (f"open({m!r}, 'w')",))}, protocol=4)
        yield "subprocess.Popen", W.dumps([W.Call(W.Global("subprocess", "Popen"), (["touch", m],))])
        yield "torch.load", W.dumps(W.Call(W.Global("torch", "load"), (m,)))

    def check_refused(self, proc, name, out):
        self.assert_error(proc, f"refusing to load global {name}", out=out)
        self.assertFalse(os.path.exists(self.marker()), "the payload ran")

    def test_stylegan2_refuses_globals(self):
        for name, payload in self.payloads():
            with self.subTest(name):
                src = self.write("evil.pkl", payload)
                out = self.path("o.safetensors")
                self.check_refused(run_convert("stylegan2", src, out), name, out)

    def test_reduce_of_real_function(self):
        class Evil:
            def __reduce__(self):
                return (os.system, (f"touch {self.marker}",))
        e = Evil()
        e.marker = self.marker()
        src = self.write("evil.pkl", pickle.dumps({"G": e, "G_ema": e}))
        out = self.path("o.safetensors")
        self.check_refused(run_convert("stylegan2", src, out), f"{os.system.__module__}.system", out)

    def test_inside_embedded_storage_blob(self):
        evil = W.dumps(W.Call(W.Global("os", "system"), (f"touch {self.marker()}",)))
        blob = W.dumps(0x1950A86A20F9469CFC6C) + W.dumps(1001) + W.dumps({"little_endian": True}) + evil
        payload = W.dumps({"G_ema": W.Call(W.Global("torch.storage", "_load_from_bytes"), (blob,))},
                          protocol=4)
        src = self.write("evil.pkl", payload)
        out = self.path("o.safetensors")
        self.check_refused(run_convert("stylegan2", src, out), "os.system", out)

    def test_torch_save_containers_refuse_globals(self):
        evil = {"g": W.Call(W.Global("os", "system"), (f"touch {self.marker()}",))}
        for legacy in (False, True):
            with self.subTest(legacy=legacy):
                data = W.legacy_bytes(evil, {}) if legacy else W.zip_bytes(evil, {})
                src = self.write("evil.pth", data)
                out = self.path("o.safetensors")
                self.check_refused(run_convert("fastgan", src, out), "os.system", out)
                self.check_refused(run_convert("inception", src, out), "os.system", out)

    def test_not_a_stylegan2_pickle(self):
        out = self.path("o.safetensors")
        for obj in ({"a": 1, "b": [1, 2]}, [1, 2, 3], "hello"):
            with self.subTest(obj=obj):
                src = self.write("plain.pkl", pickle.dumps(obj))
                self.assert_error(run_convert("stylegan2", src, out), "not a StyleGAN2 network pickle",
                                  out=out)

    def test_tensorflow_pickle_named(self):
        payload = W.dumps((W.Call(W.Global("dnnlib.tflib.network", "Network"), ()),), protocol=4)
        src = self.write("tf.pkl", payload)
        out = self.path("o.safetensors")
        self.assert_error(run_convert("stylegan2", src, out), "TensorFlow", "tuple of 1", out=out)
        payload = W.dumps((W.Call(W.Global("dnnlib.tflib.tfutil", "run"), ()),), protocol=4)
        self.assert_error(run_convert("stylegan2", self.write("tf2.pkl", payload), out),
                          "dnnlib.tflib.tfutil.run", "TensorFlow-era", out=out)


# A conditional resnet StyleGAN2 generator written out by hand from training/networks.py:
# z 8, c 4, w 16, 8x8, 2 mapping layers, channel_base 64, channel_max 16 -> C(4) = 16, C(8) = 8.
SG2_RESNET = {
    "synthesis.b4.const": (16, 4, 4), "synthesis.b4.resample_filter": (4, 4),
    "synthesis.b4.conv1.weight": (16, 16, 3, 3), "synthesis.b4.conv1.noise_strength": (),
    "synthesis.b4.conv1.bias": (16,), "synthesis.b4.conv1.resample_filter": (4, 4),
    "synthesis.b4.conv1.noise_const": (4, 4), "synthesis.b4.conv1.affine.weight": (16, 16),
    "synthesis.b4.conv1.affine.bias": (16,),
    "synthesis.b8.resample_filter": (4, 4),
    "synthesis.b8.conv0.weight": (8, 16, 3, 3), "synthesis.b8.conv0.noise_strength": (),
    "synthesis.b8.conv0.bias": (8,), "synthesis.b8.conv0.resample_filter": (4, 4),
    "synthesis.b8.conv0.noise_const": (8, 8), "synthesis.b8.conv0.affine.weight": (16, 16),
    "synthesis.b8.conv0.affine.bias": (16,),
    "synthesis.b8.conv1.weight": (8, 8, 3, 3), "synthesis.b8.conv1.noise_strength": (),
    "synthesis.b8.conv1.bias": (8,), "synthesis.b8.conv1.resample_filter": (4, 4),
    "synthesis.b8.conv1.noise_const": (8, 8), "synthesis.b8.conv1.affine.weight": (8, 16),
    "synthesis.b8.conv1.affine.bias": (8,),
    "synthesis.b8.torgb.weight": (3, 8, 1, 1), "synthesis.b8.torgb.bias": (3,),
    "synthesis.b8.torgb.affine.weight": (8, 16), "synthesis.b8.torgb.affine.bias": (8,),
    "synthesis.b8.skip.weight": (8, 16, 1, 1), "synthesis.b8.skip.resample_filter": (4, 4),
    "mapping.w_avg": (16,), "mapping.embed.weight": (16, 4), "mapping.embed.bias": (16,),
    "mapping.fc0.weight": (16, 24), "mapping.fc0.bias": (16,),
    "mapping.fc1.weight": (16, 16), "mapping.fc1.bias": (16,),
}
SG2_BUFFERS = ("resample_filter", "noise_const", "w_avg")


def sg2_pickle(arrays, init_kwargs, drop=()):
    tree = {}
    for name, arr in arrays.items():
        if name in drop:
            continue
        *path, leaf = name.split(".")
        node = tree
        for p in path:
            node = node.setdefault(p, {})
        node[leaf] = (name, arr)
    counter = [0]

    def module(node, class_name, extra=None):
        params, bufs, mods = (W.collections.OrderedDict() for _ in range(3))
        for k, v in node.items():
            if isinstance(v, dict):
                mods[k] = module(v, "Module")
                continue
            counter[0] += 1
            (bufs if k in SG2_BUFFERS else params)[k] = W.sg2_param(v[1], str(counter[0]),
                                                                    param=k not in SG2_BUFFERS)
        state = {"training": False, "_parameters": params, "_buffers": bufs,
                 "_non_persistent_buffers_set": set(), "_modules": mods, "_init_args": (),
                 "_init_kwargs": W.NewObjDict("dnnlib.util", "EasyDict")}
        state.update(extra or {})
        return W.persistent(class_name, state)

    G = module(tree, "Generator", {"_init_kwargs": init_kwargs, "z_dim": init_kwargs["z_dim"]})
    return W.dumps({"training_set_kwargs": {"resolution": 8}, "G": G, "D": None, "G_ema": G,
                    "augment_pipe": None}, protocol=4)


class CraftedStyleGAN2(ConvertTestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(3)
        self.arrays = {k: rng.standard_normal(s).astype(np.float32) for k, s in SG2_RESNET.items()}
        self.kwargs = W.NewObjDict("dnnlib.util", "EasyDict", {
            "z_dim": 8, "c_dim": 4, "w_dim": 16, "img_resolution": 8, "img_channels": 3,
            "mapping_kwargs": W.NewObjDict("dnnlib.util", "EasyDict", {"num_layers": 2}),
            "synthesis_kwargs": W.NewObjDict("dnnlib.util", "EasyDict", {
                "channel_base": 64, "channel_max": 16, "architecture": "resnet", "conv_clamp": None})})

    def test_conditional_resnet_with_easydict(self):
        src = self.write("g.pkl", sg2_pickle(self.arrays, self.kwargs))
        out = self.path("g.safetensors")
        self.assert_ok(run_convert("stylegan2", src, out))
        tensors, meta, *_ = read_safetensors(out)
        self.assertEqual(sorted(tensors), sorted(self.arrays))
        for k, a in self.arrays.items():
            self.assertEqual(tensors[k].tobytes(), a.tobytes(), k)
            self.assertEqual(tensors[k].shape, a.shape, k)
        self.assertEqual(json.loads(meta["config"]), json.loads(json.dumps(self.kwargs)))
        self.assertEqual(meta["num_ws"], "4")

    def test_flat_synthesis_kwargs(self):
        # stylegan3 repository's networks_stylegan2.Generator(..., mapping_kwargs, **synthesis_kwargs)
        flat = W.NewObjDict("dnnlib.util", "EasyDict", {k: v for k, v in self.kwargs.items()
                                                        if k != "synthesis_kwargs"})
        flat.update(self.kwargs["synthesis_kwargs"])
        src = self.write("g.pkl", sg2_pickle(self.arrays, flat))
        out = self.path("g.safetensors")
        self.assert_ok(run_convert("stylegan2", src, out))
        _t, meta, *_ = read_safetensors(out)
        self.assertEqual(json.loads(meta["config"]), json.loads(json.dumps(flat)))
        self.assertEqual(json.loads(meta["config_resolved"])["synthesis_kwargs"]["architecture"], "resnet")

    def test_missing_tensor(self):
        src = self.write("g.pkl", sg2_pickle(self.arrays, self.kwargs, drop=("synthesis.b8.skip.weight",)))
        out = self.path("g.safetensors")
        self.assert_error(run_convert("stylegan2", src, out), "synthesis.b8.skip.weight", "missing", out=out)

    def test_wrong_architecture_in_config(self):
        self.kwargs["synthesis_kwargs"]["architecture"] = "skip"  # skip would need b4.torgb
        src = self.write("g.pkl", sg2_pickle(self.arrays, self.kwargs))
        out = self.path("g.safetensors")
        self.assert_error(run_convert("stylegan2", src, out), "synthesis.b4.torgb", out=out)

    def test_wrong_embed_shape(self):
        self.arrays["mapping.embed.weight"] = np.zeros((16, 5), np.float32)
        src = self.write("g.pkl", sg2_pickle(self.arrays, self.kwargs))
        out = self.path("g.safetensors")
        self.assert_error(run_convert("stylegan2", src, out), "mapping.embed.weight", "[16, 5]", out=out)


# ---------------------------------------------------------------------------------------------------
# TensorFlow-era StyleGAN2 pickles, written here as the TF code pickles them: (G, D, Gs) of
# dnnlib.tflib.network.Network objects (NEWOBJ + BUILD of their state: version, static_kwargs,
# components, variables as NumPy arrays, build_module_src). The variables are the inverse of
# legacy.py's conversion, written out independently of tools/lfconvert/stylegan2_tf.py.
# ---------------------------------------------------------------------------------------------------

def fake_tf_module(marker):
    """A module 'dnnlib.tflib.network' with a Network class whose pickle is the TF one; each
    network's build_module_src creates the file `marker` if anything runs it."""
    import types
    mod = types.ModuleType("dnnlib.tflib.network")

    class Network:
        def __init__(self, name, static_kwargs, components, variables, src=f"open({marker!r}, 'w').close()"):
            self.state = {"version": 4, "name": name, "static_kwargs": static_kwargs,
                          "components": components, "build_module_src": src,
                          "build_func_name": "G_main", "variables": variables}

        def __getstate__(self):
            return self.state

    Network.__module__ = "dnnlib.tflib.network"
    Network.__qualname__ = "Network"
    mod.Network = Network
    for name in ("dnnlib", "dnnlib.tflib"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["dnnlib.tflib.network"] = mod
    return Network


def tf_variables_from_pt(pt, res, arch):
    """Inverse of legacy.convert_tf_generator: PyTorch G_ema arrays -> TF (mapping, synthesis, top)."""
    mapping, synthesis = [], []
    for name, a in pt.items():
        if name.startswith("mapping.fc"):
            i, leaf = name.split(".")[1][2:], name.split(".")[2]
            mapping.append((f"Dense{i}/{leaf}", a.T.copy() if leaf == "weight" else a))
        elif name.startswith("mapping.embed."):
            leaf = name.split(".")[2]
            mapping.append((f"LabelEmbed/{leaf}", a.T.copy() if leaf == "weight" else a))
    log2 = res.bit_length() - 1
    for r in [2 ** i for i in range(2, log2 + 1)]:
        p, rr = f"synthesis.b{r}", f"{r}x{r}"
        if r == 4:
            synthesis.append((f"{rr}/Const/const", pt[p + ".const"][None]))
        layers = [("conv1", "Conv")] if r == 4 else [("conv0", "Conv0_up"), ("conv1", "Conv1")]
        if r == res or arch == "skip":
            layers.append(("torgb", "ToRGB"))
        for pt_layer, tf_layer in layers:
            q = f"{p}.{pt_layer}"
            w = pt[q + ".weight"].transpose(2, 3, 1, 0)  # OIHW -> HWIO
            if tf_layer == "Conv0_up":
                w = w[::-1, ::-1]
            synthesis += [(f"{rr}/{tf_layer}/weight", w.copy()), (f"{rr}/{tf_layer}/bias", pt[q + ".bias"]),
                          (f"{rr}/{tf_layer}/mod_weight", pt[q + ".affine.weight"].T.copy()),
                          (f"{rr}/{tf_layer}/mod_bias", pt[q + ".affine.bias"] - 1)]
            if tf_layer != "ToRGB":
                synthesis.append((f"{rr}/{tf_layer}/noise_strength", pt[q + ".noise_strength"]))
    for r in [2 ** i for i in range(2, log2 + 1)]:  # noise0 (b4), then conv0/conv1 of each block
        l2 = r.bit_length() - 1
        if r == 4:
            synthesis.append(("noise0", pt["synthesis.b4.conv1.noise_const"][None, None]))
        else:
            synthesis.append((f"noise{2 * l2 - 5}", pt[f"synthesis.b{r}.conv0.noise_const"][None, None]))
            synthesis.append((f"noise{2 * l2 - 4}", pt[f"synthesis.b{r}.conv1.noise_const"][None, None]))
    top = [("dlatent_avg", pt["mapping.w_avg"]), ("lod", np.float32(0.0))]
    return mapping, synthesis, top


class TensorFlowStyleGAN2(ConvertTestCase):
    RES = 16
    STATIC = {"latent_size": 12, "dlatent_size": 10, "resolution": 16, "num_channels": 3, "mapping_layers": 2,
              "fmap_base": 64, "fmap_max": 16, "truncation_psi": 0.5, "structure": "auto"}

    def setUp(self):
        super().setUp()
        sys.path.insert(0, os.path.join(REPO, "tools"))
        from lfconvert import stylegan2 as sg2
        sys.path.pop(0)
        init = {"z_dim": 12, "c_dim": 0, "w_dim": 10, "img_resolution": 16, "img_channels": 3,
                "mapping_kwargs": {"num_layers": 2}, "synthesis_kwargs": {"channel_base": 128, "channel_max": 16}}
        self.expected = sg2.expected_shapes(sg2.resolve_config(init))
        rng = np.random.default_rng(5)
        f = np.outer([1, 3, 3, 1], [1, 3, 3, 1]).astype(np.float32) / 64
        self.pt = {k: (f.copy() if k.endswith("resample_filter") else
                       rng.standard_normal(shape).astype(np.float32)) for k, shape in self.expected.items()}
        for k in self.pt:  # affine biases 1 + j/1024: mod_bias = b - 1 and back are exact in float32
            if k.endswith("affine.bias"):
                self.pt[k] = (1 + np.round(self.pt[k] * 1024) / 1024).astype(np.float32)
        self.Network = fake_tf_module(self.path("executed"))

    def tearDown(self):
        for name in ("dnnlib.tflib.network", "dnnlib.tflib", "dnnlib"):
            sys.modules.pop(name, None)
        super().tearDown()

    def tf_pickle(self, static=None, drop=(), version=4, protocol=3):
        N = self.Network
        mapping, synthesis, top = tf_variables_from_pt(self.pt, self.RES, "skip")
        synthesis = [(n, v) for n, v in synthesis if n not in drop]
        static = dict(self.STATIC if static is None else static)
        G = N("G", static, {"mapping": N("G_mapping", {}, {}, mapping),
                            "synthesis": N("G_synthesis", {}, {}, synthesis)}, top)
        G.state["version"] = version
        D = N("D", {"resolution": 16}, {}, [("Conv/weight", np.zeros((3, 3, 3, 4), np.float32))])
        return pickle.dumps((G, D, G), protocol=protocol)

    def test_converts_as_legacy_py(self):
        for protocol in (2, 3, 4):
            with self.subTest(protocol=protocol):
                src = self.write("tf.pkl", self.tf_pickle(protocol=protocol))
                out = self.path("g.safetensors")
                self.assert_ok(run_convert("stylegan2", src, out))
                tensors, meta, *_ = read_safetensors(out)
                self.assertEqual(sorted(tensors), sorted(self.pt))
                for k, a in self.pt.items():
                    self.assertEqual(tensors[k].shape, a.shape, k)
                    np.testing.assert_array_equal(tensors[k], a, err_msg=k)
                cfg = json.loads(meta["config"])
                self.assertEqual(cfg["synthesis_kwargs"]["channel_base"], 128)  # fmap_base * 2
                self.assertEqual(cfg["mapping_kwargs"]["num_layers"], 2)
                self.assertIsNone(cfg["synthesis_kwargs"]["conv_clamp"])
                self.assertEqual(cfg["synthesis_kwargs"]["num_fp16_res"], 0)
                self.assertEqual(meta["num_ws"], "6")  # 2 log2(16) - 2
                self.assertEqual(meta["tensorflow_pickle_version"], "4")
                self.assertEqual(len(meta["source_sha256"]), 64)
        self.assertFalse(os.path.exists(self.path("executed")))

    def test_net_g_and_single_network(self):
        src = self.write("tf.pkl", self.tf_pickle())
        self.assert_ok(run_convert("stylegan2", src, self.path("g.safetensors"), "--net", "G"))
        N = self.Network
        mapping, synthesis, top = tf_variables_from_pt(self.pt, self.RES, "skip")
        G = N("Gs", dict(self.STATIC), {"mapping": N("m", {}, {}, mapping), "synthesis": N("s", {}, {}, synthesis)},
              top)
        one = self.write("gs.pkl", pickle.dumps(G, protocol=3))
        self.assert_ok(run_convert("stylegan2", one, self.path("gs.safetensors")))
        self.assert_error(run_convert("stylegan2", one, self.path("x.safetensors"), "--net", "G"),
                          "single TensorFlow network", out=self.path("x.safetensors"))

    def test_errors(self):
        out = self.path("o.safetensors")
        cases = [
            (self.tf_pickle(drop=("16x16/Conv1/mod_weight",)), ("synthesis/16x16/Conv1/mod_weight", "missing")),
            (self.tf_pickle(static=dict(self.STATIC, fmap_max=32)), ("has shape",)),
            (self.tf_pickle(static=dict(self.STATIC, spectral_norm=True)), ("unknown TensorFlow", "spectral_norm")),
            (self.tf_pickle(version=3), ("version 3",)),
        ]
        for data, needles in cases:
            with self.subTest(needles=needles):
                self.assert_error(run_convert("stylegan2", self.write("bad.pkl", data), out), *needles, out=out)


class FindPython(unittest.TestCase):
    def test_prints_numpy_interpreter(self):
        p = subprocess.run(["bash", os.path.join(REPO, "tools", "find_python.sh")], capture_output=True,
                           text=True, env=dict(os.environ, LF_PYTHON=sys.executable))
        self.assertEqual(p.returncode, 0, p.stderr)
        py = p.stdout.strip()
        self.assertEqual(subprocess.run([py, "-c", "import numpy"]).returncode, 0)


GROUPS = {"fixtures": [FixtureConversions], "crafted": [CraftedFastGAN, MaliciousInputs, CraftedStyleGAN2,
                                                         TensorFlowStyleGAN2, FindPython]}


def main(argv):
    groups = [a for a in argv if a in GROUPS] or list(GROUPS)
    rest = [a for a in argv if a not in GROUPS]
    if "fixtures" in groups and not os.path.isdir(FIXTURES):
        if groups == ["fixtures"]:
            print(f"SKIP: fixtures folder {FIXTURES} not found (set LF_FIXTURES_DIR)")
            return 77
        groups.remove("fixtures")
    suite = unittest.TestSuite()
    loader = unittest.defaultTestLoader
    for g in groups:
        for cls in GROUPS[g]:
            suite.addTests(loader.loadTestsFromTestCase(cls))
    verbosity = 2 if "-v" in rest else 1
    result = unittest.TextTestRunner(verbosity=verbosity).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
