# torchfile.py: reads PyTorch serialisations without PyTorch. A restricted pickle.Unpickler that only
# resolves allow-listed globals (mapped to plain-data stand-ins, nothing from the file is executed),
# lazy storages/tensors, and the two torch.save containers: the zip format (<prefix>/data.pkl +
# <prefix>/data/<key>) and the legacy format (magic, protocol, sys_info, object pickle, storage keys,
# raw storages), which is also what each storage inside a StyleGAN2 network pickle is.
import collections
import io
import mmap
import os
import pickle
import struct
import zipfile

import numpy as np

from . import ConvertError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
LEGACY_HEAD = b"\x80\x02\x8a\x0a"  # pickle protocol 2, LONG1 of 10 bytes: the magic number

# torch storage class name -> (dtype name, numpy dtype code without byte order, itemsize)
STORAGE_TYPES = {
    "FloatStorage": ("float32", "f4", 4),
    "DoubleStorage": ("float64", "f8", 8),
    "HalfStorage": ("float16", "f2", 2),
    "BFloat16Storage": ("bfloat16", "u2", 2),  # no NumPy dtype; kept as raw bits, refused on output
    "LongStorage": ("int64", "i8", 8),
    "IntStorage": ("int32", "i4", 4),
    "ShortStorage": ("int16", "i2", 2),
    "CharStorage": ("int8", "i1", 1),
    "ByteStorage": ("uint8", "u1", 1),
    "BoolStorage": ("bool", "b1", 1),
    "ComplexFloatStorage": ("complex64", "c8", 8),
    "ComplexDoubleStorage": ("complex128", "c16", 16),
    "UntypedStorage": ("uint8", "u1", 1),
}
# torch dtype attribute name -> storage class name (for _rebuild_tensor_v3 and stray dtype globals)
TORCH_DTYPES = {
    "float32": "FloatStorage", "float": "FloatStorage", "float64": "DoubleStorage",
    "double": "DoubleStorage", "float16": "HalfStorage", "half": "HalfStorage",
    "bfloat16": "BFloat16Storage", "int64": "LongStorage", "long": "LongStorage",
    "int32": "IntStorage", "int": "IntStorage", "int16": "ShortStorage", "short": "ShortStorage",
    "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
    "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage",
}


def _fmt_shape(shape):
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


class StorageType:
    """Stand-in for a torch.<X>Storage class object: only names a dtype."""

    def __init__(self, class_name):
        self.class_name = class_name
        self.dtype, code, self.itemsize = STORAGE_TYPES[class_name]
        self.np_code = code

    def __repr__(self):
        return "torch." + self.class_name


class TorchDtype:
    """Stand-in for a torch.dtype object such as torch.float32."""

    def __init__(self, name):
        self.storage_type = StorageType(TORCH_DTYPES[name])
        self.name = name


class Storage:
    """A typed storage whose bytes are fetched lazily by `fetch()` (returns a bytes-like object)."""

    def __init__(self, stype, numel, where, little_endian=True):
        self.stype = stype
        self.numel = int(numel)
        self.where = where  # for messages: e.g. "storage 12 of model.pth"
        self.little_endian = little_endian
        self._fetch = None
        self._array = None
        self.base = None  # (Storage, element offset) for legacy storage views

    @property
    def dtype(self):
        return self.stype.dtype

    def set_source(self, fetch):
        self._fetch = fetch

    def array(self):
        """The whole storage as a 1-D read-only NumPy array (file byte order)."""
        if self._array is None:
            if self.base is not None:
                root, off = self.base
                arr = root.array()
                if off < 0 or off + self.numel > arr.size:
                    raise ConvertError(f"{self.where}: storage view [{off}, {off + self.numel}) lies "
                                       f"outside its root storage of {arr.size} elements")
                self._array = arr[off:off + self.numel]
                return self._array
            if self._fetch is None:
                raise ConvertError(f"{self.where}: the data of this storage is missing from the file")
            buf = self._fetch()
            need = self.numel * self.stype.itemsize
            if len(buf) < need:
                raise ConvertError(f"{self.where}: storage holds {len(buf)} bytes, {need} needed "
                                   f"({self.numel} x {self.dtype}); the file is truncated or corrupt")
            order = "<" if self.little_endian else ">"
            code = self.stype.np_code
            if code not in ("b1", "i1", "u1"):
                code = order + code
            self._array = np.frombuffer(buf, dtype=np.dtype(code), count=self.numel)
        return self._array


class Tensor:
    """Stand-in for a torch.Tensor / nn.Parameter: a strided view of a Storage, materialised on demand."""

    def __init__(self, storage, offset, shape, stride, requires_grad=False, dtype=None):
        if not isinstance(storage, Storage):
            raise ConvertError(f"malformed tensor record: storage is {type(storage).__name__}")
        try:
            self.shape = tuple(int(s) for s in shape)
            self.stride = tuple(int(s) for s in stride)
            self.offset = int(offset)
        except (TypeError, ValueError):
            raise ConvertError("malformed tensor record: size/stride/offset are not integers") from None
        if len(self.shape) != len(self.stride):
            raise ConvertError("malformed tensor record: size and stride differ in length")
        self.storage = storage
        self.requires_grad = bool(requires_grad)
        self.is_parameter = False
        self.dtype = storage.dtype if dtype is None else dtype.storage_type.dtype

    def numel(self):
        n = 1
        for s in self.shape:
            n *= s
        return n

    def numpy(self):
        """A C-contiguous, native-byte-order copy (float32 stays float32, int64 stays int64, ...)."""
        if any(s < 0 for s in self.shape) or any(s < 0 for s in self.stride) or self.offset < 0:
            raise ConvertError(f"{self.storage.where}: negative size, stride or offset in a tensor record")
        arr = self.storage.array()
        if self.dtype != self.storage.dtype:
            raise ConvertError(f"{self.storage.where}: tensor dtype {self.dtype} differs from its "
                               f"storage dtype {self.storage.dtype}; not supported")
        native = arr.dtype.newbyteorder("=")
        if self.numel() == 0:
            return np.zeros(self.shape, dtype=native)
        last = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.stride))
        if last >= arr.size:
            raise ConvertError(f"{self.storage.where}: tensor {_fmt_shape(self.shape)} (offset "
                               f"{self.offset}, stride {list(self.stride)}) reads past the end of its "
                               f"storage of {arr.size} elements")
        if not self.shape:  # 0-d (as_strided would hand back shape [1])
            return np.array(arr[self.offset], dtype=native)
        item = arr.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(arr[self.offset:], shape=self.shape,
                                               strides=[s * item for s in self.stride], writeable=False)
        out = np.array(view, dtype=native, order="C")
        if out.shape != self.shape:
            raise ConvertError(f"{self.storage.where}: internal error materialising a tensor of shape "
                               f"{_fmt_shape(self.shape)}")
        return out


OUTPUT_DTYPES = ("float32", "float16", "float64", "int64")


def materialize(name, t):
    """The NumPy array of tensor record `t` for output tensor `name`; refuses dtypes safetensors output
    does not carry (F32, F16, F64, I64 only)."""
    if not isinstance(t, Tensor):
        raise ConvertError(f"{name} is a {type(t).__name__}, not a tensor")
    if t.dtype not in OUTPUT_DTYPES:
        raise ConvertError(f"tensor {name} has dtype {t.dtype}; only float32, float16, float64 and int64 "
                           f"are supported")
    return t.numpy()


# ---- allow-listed callables (each validates its arguments; none of them runs code from the file) ----

def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    return Tensor(storage, storage_offset, size, stride, requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None):
    if not isinstance(dtype, TorchDtype):
        raise ConvertError("malformed tensor record: dtype is not a torch dtype")
    return Tensor(storage, storage_offset, size, stride, requires_grad, dtype)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, state=None):
    if not isinstance(data, Tensor):
        raise ConvertError(f"malformed parameter record: data is {type(data).__name__}")
    data.is_parameter = True
    data.requires_grad = bool(requires_grad)
    return data


class _TensorClass:
    """Stand-in for the classes torch.Tensor / torch.nn.Parameter (only used as markers)."""

    def __init__(self, name):
        self.name = name


TENSOR_CLASS = _TensorClass("torch.Tensor")
PARAMETER_CLASS = _TensorClass("torch.nn.parameter.Parameter")


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in (_rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter):
        raise ConvertError("malformed tensor record: unexpected rebuild function")
    if new_type not in (TENSOR_CLASS, PARAMETER_CLASS):
        raise ConvertError("malformed tensor record: unexpected tensor subclass")
    t = func(*args)
    if new_type is PARAMETER_CLASS:
        t.is_parameter = True
    return t


def _codecs_encode(text, encoding="utf-8"):
    # Protocol-2 pickles written by Python 3 spell bytes as _codecs.encode(str, 'latin1').
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise ConvertError("malformed pickle: unexpected _codecs.encode call")
    return text.encode(encoding)


_SIMPLE_NP = set("?bBhHiIlLqQefdgFDGUSV") | {"f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4",
                                            "u8", "b1", "c8", "c16"}


def _np_dtype(spec, align=False, copy=False):
    if not isinstance(spec, str) or spec.lstrip("<>=|") not in _SIMPLE_NP:
        raise ConvertError(f"refusing NumPy dtype {spec!r} (only plain numeric dtypes are allowed)")
    return np.dtype(spec)


def _np_scalar(dtype, data=None):
    if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(data, (bytes, bytearray)):
        raise ConvertError("refusing a NumPy scalar that is not a plain number")
    return np.frombuffer(bytes(data), dtype=dtype, count=1)[0]


class _NdArrayClass:
    """Stand-in for the class numpy.ndarray (only a marker; not callable)."""


NDARRAY_CLASS = _NdArrayClass()


def _np_reconstruct(cls, shape, dtype_code):
    if cls is not NDARRAY_CLASS:
        raise ConvertError("refusing a NumPy array subclass")
    return _NdArrayStub()


class _NdArrayStub:
    """Receives ndarray.__setstate__ data; `.value` is then a plain numeric NumPy array."""

    def __init__(self):
        self.value = None

    def __setstate__(self, state):
        try:
            _version, shape, dtype, is_fortran, raw = state
        except (TypeError, ValueError):
            raise ConvertError("malformed NumPy array in pickle") from None
        if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(raw, (bytes, bytearray)):
            raise ConvertError("refusing a NumPy array that is not plain numeric data")
        arr = np.frombuffer(bytes(raw), dtype=dtype)
        self.value = arr.reshape(shape, order="F" if is_fortran else "C")


class EasyDict(dict):
    """Stand-in for dnnlib.util.EasyDict: a dict with attribute access, nothing else."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setstate__(self, state):
        if isinstance(state, dict):
            self.update(state)


def _allow_torch():
    allowed = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "bytearray"): bytearray,
        ("__builtin__", "set"): set,
        ("_codecs", "encode"): _codecs_encode,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
        ("torch", "Tensor"): TENSOR_CLASS,
        ("torch.nn.parameter", "Parameter"): PARAMETER_CLASS,
    }
    for name in STORAGE_TYPES:
        allowed[("torch", name)] = StorageType(name)
    allowed[("torch.storage", "UntypedStorage")] = StorageType("UntypedStorage")
    for name in TORCH_DTYPES:
        allowed[("torch", name)] = TorchDtype(name)
    return allowed


def _allow_numpy():
    allowed = {}
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(mod, "scalar")] = _np_scalar
        allowed[(mod, "_reconstruct")] = _np_reconstruct
    allowed[("numpy", "dtype")] = _np_dtype
    allowed[("numpy", "ndarray")] = NDARRAY_CLASS
    return allowed


TORCH_GLOBALS = _allow_torch()
NUMPY_GLOBALS = _allow_numpy()


class RestrictedUnpickler(pickle.Unpickler):
    """pickle.Unpickler that resolves only allow-listed globals; anything else is refused."""

    def __init__(self, file, allowed, persistent=None, what="pickle"):
        super().__init__(file)
        self._allowed = allowed
        self._persistent = persistent
        self._what = what

    def find_class(self, module, name):
        obj = self._allowed.get((module, name))
        if obj is None:
            hint = ""
            if module.startswith("dnnlib.tflib"):
                hint = " (a TensorFlow-era StyleGAN pickle: `convert.py stylegan2` reads only its networks)"
            raise ConvertError(f"{self._what}: refusing to load global {module}.{name}: not on the "
                               f"converter's allow-list{hint}")
        return obj

    def persistent_load(self, pid):
        if self._persistent is None:
            raise ConvertError(f"{self._what}: unexpected persistent id in pickle (not a torch storage)")
        return self._persistent(pid)


def restricted_load(fileobj, allowed, persistent=None, what="pickle"):
    """Unpickle with the allow-list; any pickle-level failure becomes a one-line ConvertError."""
    try:
        return RestrictedUnpickler(fileobj, allowed, persistent, what).load()
    except ConvertError:
        raise
    except RecursionError:
        raise ConvertError(f"{what}: pickle nests too deeply") from None
    except (EOFError, pickle.UnpicklingError, ValueError, TypeError, KeyError, IndexError,
            AttributeError, struct.error, UnicodeDecodeError, OverflowError, MemoryError) as e:
        detail = str(e) or type(e).__name__
        if isinstance(e, EOFError) or "truncated" in detail:
            raise ConvertError(f"{what}: truncated or corrupt pickle ({detail})") from None
        raise ConvertError(f"{what}: corrupt or unsupported pickle ({type(e).__name__}: {detail})") from None


def _storage_pid(pid, what):
    if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage":
        raise ConvertError(f"{what}: unsupported persistent id {str(pid)[:80]}")
    stype = pid[1]
    if isinstance(stype, TorchDtype):
        stype = stype.storage_type
    if not isinstance(stype, StorageType):
        raise ConvertError(f"{what}: persistent id names no storage type")
    key, numel = pid[2], pid[4]
    if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
        raise ConvertError(f"{what}: malformed storage persistent id")
    view = pid[5] if len(pid) > 5 else None
    return stype, key, numel, view


# ---- legacy (non-zip) torch.save -------------------------------------------------------------------

def load_legacy(f, what, data_source):
    """Reads a legacy torch.save stream from a seekable file object `f` positioned at its start.
    data_source(offset, nbytes) returns the bytes at absolute stream offset. Returns the object."""
    plain = {}
    magic = restricted_load(f, plain, what=what)
    if magic != LEGACY_MAGIC:
        raise ConvertError(f"{what}: not a torch.save file (bad magic number)")
    proto = restricted_load(f, plain, what=what)
    if proto != LEGACY_PROTOCOL:
        raise ConvertError(f"{what}: unsupported legacy torch.save protocol {proto!r}")
    sys_info = restricted_load(f, plain, what=what)
    little = True
    if isinstance(sys_info, dict):
        little = bool(sys_info.get("little_endian", True))
    storages = {}
    views = {}

    def persistent(pid):
        stype, key, numel, view = _storage_pid(pid, what)
        st = storages.get(key)
        if st is None:
            st = Storage(stype, numel, f"{what}: storage {key}", little)
            storages[key] = st
        if view is None:
            return st
        try:
            view_key, offset, view_size = view
        except (TypeError, ValueError):
            raise ConvertError(f"{what}: malformed storage view metadata") from None
        v = views.get(view_key)
        if v is None:
            v = Storage(stype, view_size, f"{what}: storage view {view_key}", little)
            v.base = (st, int(offset))
            views[view_key] = v
        return v

    obj = restricted_load(f, TORCH_GLOBALS, persistent, what=what)
    keys = restricted_load(f, plain, what=what)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ConvertError(f"{what}: malformed storage key list")
    pos = f.tell()
    order = "<" if little else ">"
    for key in keys:
        st = storages.get(key)
        head = data_source(pos, 8)
        if len(head) < 8:
            raise ConvertError(f"{what}: truncated file (storage {key} is missing)")
        (numel,) = struct.unpack(order + "q", head)
        if st is None:
            raise ConvertError(f"{what}: storage {key} is listed but never referenced")
        if numel < st.numel:
            raise ConvertError(f"{what}: storage {key} holds {numel} elements, {st.numel} expected")
        nbytes = numel * st.stype.itemsize
        start = pos + 8
        st.set_source(lambda start=start, nbytes=nbytes: data_source(start, nbytes))
        pos = start + nbytes
    if len(data_source(pos - 1, 1)) < 1 and keys:
        raise ConvertError(f"{what}: truncated file (the last storage is cut short)")
    return obj


def load_legacy_bytes(blob, what):
    """A legacy torch.save blob held in memory (each storage in a StyleGAN2 pickle is one)."""
    if not isinstance(blob, (bytes, bytearray)):
        raise ConvertError(f"{what}: storage record is not a byte string")
    mv = memoryview(blob)
    return load_legacy(io.BytesIO(blob), what, lambda off, n: mv[off:off + n])


# ---- file-level entry point -----------------------------------------------------------------------

class TorchFile:
    """An opened torch.save file (zip or legacy). `obj` is the unpickled object; storages load lazily
    while the TorchFile is open."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self._zip = None
        self._fh = None
        self._mm = None
        self.container = None
        try:
            self._fh = open(path, "rb")
        except OSError as e:
            raise ConvertError(f"cannot open {path}: {e.strerror}") from None
        head = self._fh.read(8)
        self._fh.seek(0)
        if head[:4] == b"PK\x03\x04" or head[:4] == b"PK\x05\x06":
            self.container = "zip"
            self.obj = self._load_zip()
        elif head[:4] == LEGACY_HEAD[:4]:
            self.container = "legacy"
            self.obj = self._load_legacy()
        elif len(head) == 0:
            raise ConvertError(f"{self.name}: empty file")
        elif head[:1] == b"\x80":
            raise ConvertError(f"{self.name}: a plain pickle, not a torch.save file (stylegan2-ada-pytorch "
                               f"network pickles take the 'stylegan2' subcommand)")
        else:
            raise ConvertError(f"{self.name}: not a torch.save file (neither a zip archive nor a "
                               f"legacy pickle stream)")

    def _load_zip(self):
        try:
            self._zip = zipfile.ZipFile(self._fh)
            names = self._zip.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            raise ConvertError(f"{self.name}: truncated or corrupt zip archive ({e})") from None
        pkls = [n for n in names if n == "data.pkl" or (n.endswith("/data.pkl") and n.count("/") == 1)]
        if len(pkls) != 1:
            raise ConvertError(f"{self.name}: zip archive without exactly one <name>/data.pkl "
                               f"(not a torch.save file)")
        prefix = pkls[0][:-len("data.pkl")]
        little = True
        if prefix + "byteorder" in names:
            little = self._read(prefix + "byteorder").strip() != b"big"
        what = self.name
        zf_names = set(names)

        def persistent(pid):
            stype, key, numel, _view = _storage_pid(pid, what)
            st = Storage(stype, numel, f"{what}: storage {key}", little)
            entry = prefix + "data/" + key
            if entry not in zf_names:
                raise ConvertError(f"{what}: storage {key} is missing from the archive ({entry})")
            st.set_source(lambda entry=entry: self._read(entry))
            return st

        # Storages with the same key are the same storage: memoise.
        cache = {}

        def persistent_memo(pid):
            key = pid[2] if isinstance(pid, tuple) and len(pid) > 2 else None
            if isinstance(key, str) and key in cache:
                return cache[key]
            st = persistent(pid)
            cache[key] = st
            return st

        data = self._read(pkls[0])
        return restricted_load(io.BytesIO(data), TORCH_GLOBALS, persistent_memo, what=what)

    def _read(self, entry):
        try:
            return self._zip.read(entry)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as e:
            raise ConvertError(f"{self.name}: truncated or corrupt zip archive ({entry}: {e})") from None
        except Exception as e:  # zlib.error and friends
            raise ConvertError(f"{self.name}: corrupt zip entry {entry} ({e})") from None

    def _load_legacy(self):
        size = os.fstat(self._fh.fileno()).st_size
        self._mm = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        mm = self._mm

        def source(off, n):
            if off < 0 or off >= size:
                return b""
            return memoryview(mm)[off:min(off + n, size)]

        return load_legacy(self._fh, self.name, source)

    def close(self):
        # Materialised arrays are copies, so the mapping can go; views into it must be dropped first.
        if self._zip is not None:
            self._zip.close()
        if self._fh is not None:
            self._fh.close()
        self._zip = self._fh = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
