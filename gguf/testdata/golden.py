#!/usr/bin/env python3
"""Writes golden.json: what an independent GGUF reader (this script, written
from the format description, sharing no code with package gguf) sees in every
.gguf file of the shared test data. gguf's tests compare their reading of the
same files against it.

Usage: python3 golden.py [TESTDATA_DIR] > golden.json
(TESTDATA_DIR defaults to ../../../shared/testdata.)
"""
import hashlib, json, os, struct, sys

VALUE_TYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
               "bool", "string", "array", "uint64", "int64", "float64"]
FMT = {"uint8": "<B", "int8": "<b", "uint16": "<H", "int16": "<h", "uint32": "<I",
       "int32": "<i", "float32": "<f", "bool": "<?", "uint64": "<Q", "int64": "<q",
       "float64": "<d"}
# ggml.h type id -> (name, elements per block, bytes per block), from ggml.c's type_traits.
GGML = {0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
        6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 36),
        10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144),
        13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292),
        20: ("IQ4_NL", 32, 18), 30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54),
        35: ("TQ2_0", 256, 66)}


class R:
    def __init__(self, b):
        self.b, self.o = b, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.b, self.o)[0]
        self.o += struct.calcsize(fmt)
        return v

    def s(self):
        n = self.take("<Q")
        v = self.b[self.o:self.o + n]
        assert len(v) == n
        self.o += n
        return v.decode("utf-8", "surrogateescape")


def jsonable(v):
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return repr(v)
    return v


def value(r, t):
    if t == "string":
        return r.s()
    if t == "array":
        et = VALUE_TYPES[r.take("<I")]
        n = r.take("<Q")
        start = r.o
        vals = [value(r, et) for _ in range(n)]
        d = {"elem": et, "len": n, "sha256": hashlib.sha256(r.b[start:r.o]).hexdigest()}
        if et != "array":
            d["head"] = [jsonable(x) for x in vals[:3]]
            d["last"] = jsonable(vals[-1]) if vals else None
        return d
    return jsonable(r.take(FMT[t]))


def read(path):
    b = open(path, "rb").read()
    r = R(b)
    assert b[:4] == b"GGUF"
    r.o = 4
    out = {"version": r.take("<I"), "size": len(b)}
    nt, nkv = r.take("<Q"), r.take("<Q")
    kvs, align = [], 32
    for _ in range(nkv):
        key = r.s()
        t = VALUE_TYPES[r.take("<I")]
        v = value(r, t)
        if key == "general.alignment":
            align = v
        kvs.append({"key": key, "type": t, "value": v})
    tensors = []
    for _ in range(nt):
        name = r.s()
        nd = r.take("<I")
        shape = [r.take("<Q") for _ in range(nd)]
        typ = r.take("<I")
        off = r.take("<Q")
        tensors.append({"name": name, "shape": shape, "type": typ, "offset": off})
    data = (r.o + align - 1) // align * align
    for t in tensors:
        _, per, nb = GGML[t["type"]]
        elems = 1
        for d in t["shape"]:
            elems *= d
        t["size"] = elems // per * nb
        start = data + t["offset"]
        t["sha256"] = hashlib.sha256(b[start:start + t["size"]]).hexdigest()
    out.update({"alignment": align, "data_offset": data, "kv": kvs, "tensors": tensors})
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "testdata")
    files = {}
    for d in sorted(os.listdir(root)):
        if not os.path.isdir(os.path.join(root, d)):
            continue
        for f in sorted(os.listdir(os.path.join(root, d))):
            if f.endswith(".gguf"):
                files[d + "/" + f] = read(os.path.join(root, d, f))
    json.dump(files, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


main()
