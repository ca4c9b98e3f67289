# torch_writer.py: test helper that writes PyTorch-format files without PyTorch (stdlib + NumPy):
# torch.save zip and legacy containers, stylegan2-ada-style persistent-object pickles with embedded
# legacy storage blobs, and raw pickles naming arbitrary globals (for the malicious-input tests).
# The byte layout mirrors torch.save as checked by hand against PyTorch 1.13 (see
# tools/reference/make_converter_golden.py); only used to build crafted inputs for the converter tests.
import collections
import io
import pickle
import struct
import zipfile

import numpy as np

_STORAGE_OF = {np.dtype("float32"): "FloatStorage", np.dtype("float64"): "DoubleStorage",
               np.dtype("float16"): "HalfStorage", np.dtype("int64"): "LongStorage",
               np.dtype("int32"): "IntStorage", np.dtype("uint8"): "ByteStorage"}


class Global:
    """Pickled as GLOBAL 'module name' (the object a real pickle would reference)."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's save_reduce insists on a callable
        raise RuntimeError("marker only")


class Call:
    """Pickled as func(*args) via REDUCE, then BUILD with state if given."""

    def __init__(self, func, args, state=None):
        self.func, self.args, self.state = func, tuple(args), state


class NewObjDict(dict):
    """A dict subclass pickled the way protocol 2+ pickles one: GLOBAL cls, (), NEWOBJ, SETITEMS
    (e.g. dnnlib.util.EasyDict in stylegan2-ada pickles)."""

    def __init__(self, module, name, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.module, self.name = module, name


class Storage:
    def __init__(self, key, arr, class_name=None):
        arr = np.ascontiguousarray(arr).reshape(-1)
        self.key = key
        self.class_name = class_name or _STORAGE_OF[arr.dtype]
        self.numel = arr.size
        self.data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()


class _Pickler(pickle._Pickler):
    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, f, legacy_pid=False, protocol=2):
        super().__init__(f, protocol=protocol)
        self.legacy_pid = legacy_pid

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            pid = ("storage", Global("torch", obj.class_name), obj.key, "cpu", obj.numel)
            return pid + (None,) if self.legacy_pid else pid
        return None

    def _save_global_marker(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))

    def _save_call(self, obj):
        self.save_reduce(obj.func, obj.args, obj.state, obj=obj)

    def _save_newobj_dict(self, obj):
        self.save(Global(obj.module, obj.name))
        self.save(())
        self.write(pickle.NEWOBJ)
        self.memoize(obj)
        self._batch_setitems(iter(obj.items()))

    dispatch[Global] = _save_global_marker
    dispatch[Call] = _save_call
    dispatch[NewObjDict] = _save_newobj_dict


def dumps(obj, legacy_pid=False, protocol=2):
    f = io.BytesIO()
    _Pickler(f, legacy_pid=legacy_pid, protocol=protocol).dump(obj)
    return f.getvalue()


class TensorFactory:
    """Makes _rebuild_tensor_v2 records; remembers the storages they reference."""

    def __init__(self):
        self.storages = collections.OrderedDict()

    def tensor(self, arr, param=False):
        arr = np.asarray(arr)
        st = Storage(str(len(self.storages)), arr)
        self.storages[st.key] = st
        stride, acc = [], 1
        for n in reversed(arr.shape):
            stride.insert(0, acc)
            acc *= n
        t = Call(Global("torch._utils", "_rebuild_tensor_v2"),
                 (st, 0, tuple(arr.shape), tuple(stride), False, collections.OrderedDict()))
        if param:
            t = Call(Global("torch._utils", "_rebuild_parameter"), (t, False, collections.OrderedDict()))
        return t


def zip_bytes(obj, storages, prefix="archive"):
    """torch.save(obj) in the zip format (torch >= 1.6)."""
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{prefix}/data.pkl", dumps(obj))
        z.writestr(f"{prefix}/byteorder", b"little")
        for st in storages.values():
            z.writestr(f"{prefix}/data/{st.key}", st.data)
        z.writestr(f"{prefix}/version", b"3\n")
    return f.getvalue()


def legacy_bytes(obj, storages):
    """torch.save(obj, _use_new_zipfile_serialization=False)."""
    out = [dumps(0x1950A86A20F9469CFC6C), dumps(1001),
           dumps({"protocol_version": 1001, "little_endian": True,
                  "type_sizes": {"short": 2, "int": 4, "long": 4}}),
           dumps(obj, legacy_pid=True), dumps([st.key for st in storages.values()])]
    for st in storages.values():
        out.append(struct.pack("<q", st.numel) + st.data)
    return b"".join(out)


def sg2_param(arr, key, param=True):
    """A stylegan2-ada-style tensor: _rebuild_tensor_v2 over torch.storage._load_from_bytes(blob)."""
    arr = np.asarray(arr)
    st = Storage(key, arr)
    blob = legacy_bytes(st, collections.OrderedDict([(key, st)]))
    storage = Call(Global("torch.storage", "_load_from_bytes"), (blob,))
    stride, acc = [], 1
    for n in reversed(arr.shape):
        stride.insert(0, acc)
        acc *= n
    t = Call(Global("torch._utils", "_rebuild_tensor_v2"),
             (storage, 0, tuple(arr.shape), tuple(stride), False, collections.OrderedDict()))
    if param:
        t = Call(Global("torch._utils", "_rebuild_parameter"), (t, False, collections.OrderedDict()))
    return t


def persistent(class_name, state, module_src="# networks.py stand-in (never executed)\n"):
    meta = {"type": "class", "version": 6, "module_src": module_src, "class_name": class_name,
            "state": state}
    return Call(Global("torch_utils.persistence", "_reconstruct_persistent_obj"), (meta,))
