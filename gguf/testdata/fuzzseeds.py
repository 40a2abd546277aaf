#!/usr/bin/env python3
"""Writes the checked-in FuzzParse corpus entries (fuzz/FuzzParse/*): inputs
that found bugs in the reader, kept so that every `go test` replays them.

  scalar-tensor: a tensor of no dimensions; Tensor.Rows panicked on it.
  nested-claims: arrays nested 8 deep, each claiming as many elements as the
      rest of the file could hold; the reader allocated ~18x the file's size
      because every level reserved the same bytes.
"""
import os, struct

def s(x):
    x = x.encode() if isinstance(x, str) else x
    return struct.pack("<Q", len(x)) + x

def header(nt, nkv):
    return b"GGUF" + struct.pack("<IQQ", 3, nt, nkv)

def pad(b, a=32):
    return b + b"\0" * (-len(b) % a)

def scalar_tensor():
    b = header(1, 0) + s("s") + struct.pack("<IIQ", 0, 0, 0)  # 0 dims, F32, offset 0
    return pad(b) + struct.pack("<f", 1.5) + b"\0" * 28

def nested_claims(size=65536):
    b = header(0, 1) + s("k") + struct.pack("<I", 9)
    for _ in range(7):
        b += struct.pack("<IQ", 9, (size - len(b) - 12) // 12)
    b += struct.pack("<IQ", 8, (size - len(b) - 12) // 8)
    return b + b"\0" * (size - len(b))

def corpus(data):
    out = "".join(chr(c) if chr(c).isascii() and chr(c).isalnum() else "\\x%02x" % c for c in data)
    return 'go test fuzz v1\n[]byte("%s")\n' % out

d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz", "FuzzParse")
os.makedirs(d, exist_ok=True)
for name, data in [("scalar-tensor", scalar_tensor()), ("nested-claims", nested_claims())]:
    with open(os.path.join(d, name), "w") as f:
        f.write(corpus(data))
