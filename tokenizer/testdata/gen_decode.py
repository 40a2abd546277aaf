#!/usr/bin/env python3
"""Expected detokenized text for every test-tokenizer-0 case, made
independently of the Go code.

For each vocab file of the shared test data, this reads the token texts and
types with a small GGUF reader of its own, and renders the expected ids of
every case the way llama.cpp's llama_detokenize does with remove_special and
unparse_special false:

  * control and unknown tokens render as nothing, user-defined ones as their
    text;
  * SentencePiece and WordPiece tokens turn U+2581 into a space, byte tokens
    <0xXX> into their byte; byte-level BPE tokens map every code point back
    through GPT-2's bytes_to_unicode table;
  * a SentencePiece vocabulary (add_space_prefix) drops one leading space of
    the first token;
  * vocabularies with clean_spaces get llama.cpp's three clean-up passes.

Run from this directory: python3 gen_decode.py  (writes decode_golden.json)
"""
import json
import os
import struct

VOCAB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "testdata", "vocab")

# GGUF value types.
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
FIXED = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f", BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}


def read_gguf_kv(path):
    data = open(path, "rb").read()
    off = 0

    def take(fmt):
        nonlocal off
        v = struct.unpack_from(fmt, data, off)[0]
        off += struct.calcsize(fmt)
        return v

    def string():
        nonlocal off
        n = take("<Q")
        s = data[off:off + n].decode("utf-8")
        off += n
        return s

    def value(t):
        if t in FIXED:
            return take(FIXED[t])
        if t == STR:
            return string()
        if t == ARR:
            et, n = take("<I"), take("<Q")
            return [value(et) for _ in range(n)]
        raise ValueError("bad type %d" % t)

    assert data[:4] == b"GGUF"
    off = 4
    version = take("<I")
    assert version >= 2
    take("<Q")  # tensor count
    nkv = take("<Q")
    kv = {}
    for _ in range(nkv):
        k = string()
        kv[k] = value(take("<I"))
    return kv


def bytes_to_unicode():
    """GPT-2's table (openai/gpt-2 encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


UNICODE_TO_BYTE = {v: k for k, v in bytes_to_unicode().items()}

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def piece(model, text, typ):
    if typ in (CONTROL, UNKNOWN):
        return b""
    if typ == USER_DEFINED:
        return text.encode("utf-8")
    if typ == NORMAL:
        if model == "gpt2":
            return bytes(UNICODE_TO_BYTE[c] for c in text)
        return text.replace("\u2581", " ").encode("utf-8")
    if typ == BYTE:
        return bytes([int(text[3:5], 16)])
    return b""


def clean_spaces(text):
    """llama.cpp's clean_up_tokenization_spaces passes, in place."""
    text = bytearray(text)
    total = len(text)
    if total == 0:
        return bytes(text)
    t1, total = total, 1
    for i in range(1, t1):
        x = text[i]
        if text[i - 1] == ord(" ") and x in b"?!.,":
            total -= 1
        text[total] = x
        total += 1
    t2, total, i = total, 1, 1
    while i < t2:
        x = text[i]
        if x == ord("'") and i + 1 < t2 and text[i - 1] == ord(" ") and text[i + 1] == ord(" "):
            total -= 1
            i += 1
            text[i] = 0
        text[total] = x
        total += 1
        i += 1
    t3, total = total, 1
    for i in range(1, t3):
        x = text[i]
        if text[i - 1] == ord(" ") and x == ord("'") and i + 1 < t3:
            x1 = text[i + 1]
            if x1 in b"sm":
                total -= 1
            elif i + 2 < t3:
                x2 = text[i + 2]
                if (x1, x2) in ((ord("r"), ord("e")), (ord("v"), ord("e"))):
                    total -= 1
        text[total] = x
        total += 1
    return bytes(text[:total])


# pre-tokenizer types whose vocabularies keep spaces (clean_spaces false).
KEEP_SPACES = {"deepseek-llm", "deepseek-coder", "deepseek-v3", "command-r", "qwen2", "poro-chat", "viking", "tekken", "smollm", "gpt-4o"}


def main():
    out = {}
    for name in sorted(os.listdir(VOCAB_DIR)):
        if not name.endswith(".gguf"):
            continue
        kv = read_gguf_kv(os.path.join(VOCAB_DIR, name))
        model = kv["tokenizer.ggml.model"]
        pre = kv.get("tokenizer.ggml.pre", "")
        tokens = kv["tokenizer.ggml.tokens"]
        types = kv.get("tokenizer.ggml.token_type", [NORMAL] * len(tokens))
        space_prefix = kv.get("tokenizer.ggml.add_space_prefix", model == "llama")
        clean = model == "bert" or (model == "gpt2" and pre not in KEEP_SPACES)
        texts = []
        for line in open(os.path.join(VOCAB_DIR, name + ".out"), encoding="utf-8"):
            ids = [int(w) for w in line.split()]
            b = b""
            for k, i in enumerate(ids):
                p = piece(model, tokens[i], types[i])
                if k == 0 and space_prefix and p.startswith(b" "):
                    p = p[1:]
                b += p
            if clean:
                b = clean_spaces(b)
            texts.append(b.hex())
        out[name] = texts
    with open("decode_golden.json", "w") as f:
        json.dump(out, f, indent=0)
        f.write("\n")
    print(len(out), "vocabularies")


if __name__ == "__main__":
    main()
