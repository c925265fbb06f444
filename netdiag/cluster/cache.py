"""A compact, versioned on-disk form of a :class:`ClusterSnapshot`, the fastest to load.

``netdiag snapshot -o cache > snap.ndc`` once, then ``--cluster snap.ndc`` for every
question: loading it rebuilds the model without parsing or validating Kubernetes
objects again (the snapshot was validated when it was made). The form is JSON:

    {"schema": "netdiag/snapshot-cache/v1",
     "classes": [["netdiag.cluster.model:Pod", ["namespace", "name", ...]], ...],
     "enums": ["netdiag.cluster.meta:Protocol", ...],
     "objects": [...], "root": ...}

Every composite value is a list whose first element says what it is: ``[0, …]`` a
tuple, ``[1, i]`` the i-th entry of ``objects``, ``[2, c, mask, f1, f2, …]`` an instance
of class ``c`` with the fields whose bit is set in ``mask`` (the others have their
default), in the order ``classes`` lists them, ``[3, e, value]`` an
enum member, ``[4, …]`` a frozenset, ``[5, k, v, …]`` labels, ``[6, k, v, …]`` a dict,
``[7, …]`` a list. Scalars are themselves. Equal values (a Deployment's replicas
share labels, containers, owner) are stored once in ``objects``, children before
parents, so a reference always points backwards.

Only dataclasses and enums of the ``netdiag`` package are ever instantiated, and a
class whose fields differ from the ones recorded makes the whole file refused (it
was written by another version): write it again from the manifests. The cache holds
the same hostile names the manifests did; it is trusted like them, not more.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import json
from typing import Any

from netdiag.cluster.meta import Labels
from netdiag.cluster.model import ClusterSnapshot

SCHEMA = "netdiag/snapshot-cache/v1"
#: How a cache file starts (``dump_cache`` writes compact JSON, schema first).
MAGIC = '{"schema":"netdiag/snapshot-cache/'

_TUPLE, _REF, _OBJ, _ENUM, _FROZENSET, _LABELS, _DICT, _LIST = range(8)


class CacheError(ValueError):
    """Not a cache this version of netdiag can read."""


def is_cache(text: str) -> bool:
    return text.startswith(MAGIC)


def dump_cache(snap: ClusterSnapshot) -> str:
    enc = _Encoder()
    root = enc.value(snap)
    doc = {
        "schema": SCHEMA,
        "classes": [[_name(c), names] for c, names in enc.classes],
        "enums": [_name(e) for e in enc.enums],
        "objects": enc.objects,
        "root": root,
    }
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"


def load_cache(text: str) -> ClusterSnapshot:
    """Raises:
    CacheError: another schema, classes whose fields changed, or a damaged file.
    """
    try:
        doc = json.loads(text)
        if doc.get("schema") != SCHEMA:
            raise CacheError(f"schema {doc.get('schema')!r}, this netdiag reads {SCHEMA}")
        snap = _Decoder(doc).root()
    except CacheError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as e:
        raise CacheError(f"damaged file ({type(e).__name__}: {e})") from e
    if not isinstance(snap, ClusterSnapshot):
        raise CacheError("the root is not a cluster snapshot")
    return snap


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _init_fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


_REQUIRED = object()


def _defaults(cls: type) -> list[tuple[str, Any]]:
    """``(name, default)`` per init field; ``_REQUIRED`` when it has none."""
    out = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING:
            out.append((f.name, f.default))
        elif f.default_factory is not dataclasses.MISSING:
            out.append((f.name, f.default_factory()))
        else:
            out.append((f.name, _REQUIRED))
    return out


class _Encoder:
    def __init__(self) -> None:
        self.objects: list[Any] = []
        self.classes: list[tuple[type, list[str]]] = []
        self._class_ids: dict[type, int] = {}
        self.enums: list[type] = []
        self._enum_ids: dict[type, int] = {}
        self._by_id: dict[int, int] = {}
        self._by_value: dict[object, int] = {}
        self._keep: list[object] = []  # ids stay valid while we encode
        self._defaults: list[list[tuple[str, Any]]] = []

    def value(self, v: Any) -> Any:
        if v is None or v.__class__ in (str, int, float, bool):
            return v
        if v.__class__ is tuple:
            return [_TUPLE, *(self.value(x) for x in v)]
        if isinstance(v, enum.Enum):
            return [_ENUM, self._enum(type(v)), v.value]
        if isinstance(v, Labels):
            return self._intern(v, lambda: [_LABELS, *(x for kv in v.items() for x in kv)])
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return self._intern(v, lambda: self._instance(v))
        if isinstance(v, frozenset):
            return [_FROZENSET, *(self.value(x) for x in v)]
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                raise TypeError("dict keys must be strings")
            return [_DICT, *(x for k, val in v.items() for x in (k, self.value(val)))]
        if isinstance(v, list):
            return [_LIST, *(self.value(x) for x in v)]
        raise TypeError(f"cannot cache a {type(v).__name__}")

    def _instance(self, v: Any) -> list[Any]:
        cls = type(v)
        if not cls.__module__.startswith("netdiag."):
            raise TypeError(f"cannot cache a {cls.__name__}")
        c = self._class_ids.get(cls)
        if c is None:
            c = self._class_ids[cls] = len(self.classes)
            self.classes.append((cls, _init_fields(cls)))
            self._defaults.append(_defaults(cls))
        # Fields equal to their default are left out (most of a Pod's are): the
        # bit mask says which fields follow, in order.
        mask = 0
        vals = []
        for k, (n, default) in enumerate(self._defaults[c]):
            x = getattr(v, n)
            if default is _REQUIRED or x.__class__ is not default.__class__ or x != default:
                mask |= 1 << k
                vals.append(self.value(x))
        return [_OBJ, c, mask, *vals]

    def _intern(self, v: Any, build: Any) -> list[Any]:
        i = self._by_id.get(id(v))
        if i is not None:
            return [_REF, i]
        # Equal values share one entry, unless they differ in a field equality
        # ignores (an object's origin): those are kept apart.
        key: object = None
        if not hasattr(v, "origin"):
            try:
                key = (type(v), v)
                i = self._by_value.get(key)
            except TypeError:
                key = None
        if i is None:
            entry = build()
            i = len(self.objects)
            self.objects.append(entry)
            if key is not None:
                self._by_value[key] = i
        self._by_id[id(v)] = i
        self._keep.append(v)
        return [_REF, i]

    def _enum(self, cls: type) -> int:
        e = self._enum_ids.get(cls)
        if e is None:
            e = self._enum_ids[cls] = len(self.enums)
            self.enums.append(cls)
        return e


def _resolve(name: str) -> type:
    module, _, qual = name.partition(":")
    if not module.startswith("netdiag.") or not qual.isidentifier():
        raise CacheError(f"class {name!r} is not netdiag's")
    cls = getattr(importlib.import_module(module), qual, None)
    if not isinstance(cls, type):
        raise CacheError(f"class {name!r} does not exist in this version")
    return cls


class _Decoder:
    def __init__(self, doc: dict[str, Any]) -> None:
        self._classes: list[tuple[type, list[str]]] = []
        for name, names in doc["classes"]:
            cls = _resolve(name)
            if not dataclasses.is_dataclass(cls) or _init_fields(cls) != names:
                raise CacheError(f"{name} has other fields in this version")
            self._classes.append((cls, names))
        self._enums = [_resolve(name) for name in doc["enums"]]
        for e in self._enums:
            if not issubclass(e, enum.Enum):
                raise CacheError(f"{_name(e)} is not an enum")
        self._doc = doc
        self._objects: list[Any] = []
        self._present: dict[tuple[int, int], list[str]] = {}

    def root(self) -> Any:
        objects, dec = self._objects, self._value
        for entry in self._doc["objects"]:
            objects.append(dec(entry))
        return dec(self._doc["root"])

    def _value(self, v: Any) -> Any:
        if v.__class__ is not list:
            return v
        tag = v[0]
        if tag == _REF:
            i = v[1]
            if not 0 <= i < len(self._objects):
                raise CacheError("a reference points forward")
            return self._objects[i]
        dec = self._value
        if tag == _OBJ:
            cls, names = self._classes[v[1]]
            mask = v[2]
            present = self._present.get((v[1], mask))
            if present is None:
                present = self._present[(v[1], mask)] = [
                    n for k, n in enumerate(names) if mask >> k & 1
                ]
                if mask >> len(names):
                    raise CacheError(f"{cls.__name__} with more fields than it has")
            vals = v[3:]
            if len(vals) != len(present):
                raise CacheError(f"{cls.__name__} with {len(vals)} fields")
            return cls(
                **{
                    n: x if x.__class__ is not list else dec(x)
                    for n, x in zip(present, vals, strict=True)
                }
            )
        if tag == _TUPLE:
            return tuple([x if x.__class__ is not list else dec(x) for x in v[1:]])
        if tag == _LABELS:
            it = iter(v[1:])
            return Labels(dict(zip(it, it, strict=True)))
        if tag == _ENUM:
            return self._enums[v[1]](v[2])
        if tag == _FROZENSET:
            return frozenset(dec(x) for x in v[1:])
        if tag == _DICT:
            it = iter(v[1:])
            return {k: dec(x) for k, x in zip(it, it, strict=True)}
        if tag == _LIST:
            return [dec(x) for x in v[1:]]
        raise CacheError(f"unknown tag {tag!r}")
