#!/usr/bin/env python3
"""Golden pre-tokenizer splits, made independently of the Go code.

For each pre-tokenizer type this applies the regular expressions of llama.cpp's
llm_tokenizer_bpe (src/llama-vocab.cpp) the way its unicode_regex_split
(src/unicode.cpp) does, using Python's re engine:

  * the expressions run one after another; each splits every piece left by
    the previous one into its matches and the gaps between them;
  * an expression with \\p{..} runs over the "collapsed" text, where each code
    point above 127 becomes 0x0B if it is White_Space, else one character per
    category (N 0xD1, L 0xD2, P 0xD3, M 0xD4, S 0xD5, other 0xD0), and each
    \\p{X} in the expression becomes that character plus llama.cpp's ASCII
    members of the category;
  * an expression without \\p{..} runs over the code points, with non-ASCII
    White_Space replaced by 0x0B (std::wregex's \\s is ASCII only);
  * \\s is ASCII-only (re.ASCII) as in std::regex, and $ is end of input.

llama.cpp runs the GPT-2 and Llama-3 expressions with hand-written code; here
they go through the regex engine like the others, so the Go port of that code
is checked against the expressions it stands for.

Categories come from the `regex` module's \\p{..}, as in llama.cpp's
scripts/gen-unicode-data.py. The corpus is the test-tokenizer-0 inputs,
cases written for the corner cases of each pattern, and 150 random strings
over a pool of characters from every class the patterns distinguish.

Run from this directory: python3 gen_pretok.py  (writes pretok_golden.json)
"""
import json
import re

import regex

CONTR = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"
LLAMA3 = CONTR + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = CONTR + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
DS_LETTERS = (
    "\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-\u02af"
    "\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5"
    "\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba"
    "\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45"
    "\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe"
    "\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc"
    "\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134"
    "\u2139\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee"
    "\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf"
    "\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\U00010400-\U0001044f\U000104b0-\U000104d3"
    "\U000104d8-\U000104fb\U00010c80-\U00010cb2\U00010cc0-\U00010cf2\U000118a0-\U000118df"
    "\U0001e900-\U0001e943]+"
)
DS_PUNCT = "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+"
CJK = "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+"
CJK_KANA = "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+"
DSV3 = (r"[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+"
        r"| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SPARK = (r"[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+"
         r"| ?[\p{P}\p{S}]+|[\r\n]|\s+(?!\S)|\s+")
PORO = " ?[^(\\s|.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c)]+"
TEKKEN = (r"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+"
          r"|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*"
          r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")
GPT4O = (r"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+" + CONTR + "?"
         r"|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*" + CONTR + "?"
         r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")
JAIS2 = (CONTR + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
         r"|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)"
         r"|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1}")

AFMOE_CJK = ("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\u3040-\u309f\u30a0-\u30ff\uff65-\uff9f\u2f00-\u2fdf"
             "\u0e40-\u0e7f\u0e80-\u0eff\u1780-\u17ff\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff\uac00-\ud7af\u1100-\u11ff]+")
YOUTU_CJK = ("[\uac00-\ud7a3\u3131-\u318e]+|[\uff01\u2026\u201c\u201d\u2018\u2019\u2014\uff1a\uff1b\uff0c\u3001-\u303f\ufe30-\ufe4f]+"
             "|[\u3105-\u312f]+|[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+")
CASED = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+" + CONTR + "?"
         r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*" + CONTR + "?")
WS_TAIL = r"| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
GRANITE = (r"[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))*((?=[\p{L}\p{M}])([^A-Z]))+" + CONTR + "?"
           r"|[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))+((?=[\p{L}\p{M}])([^A-Z]))*" + CONTR + "?"
           r"|\p{N}{1,3}" + WS_TAIL)
EXAONE_MOE = (CONTR + r"|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?"
              r"|\s*[\r\n]|\s+(?!\S)|\s+")
CHAMELEON = [r"<sentinel:[0-9]+>", r"(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", r"([\t\n]|    |  )", r"\p{N}",
             r"[\p{P}!-/:-@\[-`{-~]", GPT2]

# Representative tokenizer.ggml.pre names and their expression lists.
VARIANTS = {
    "default": [r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", r"[0-9][0-9][0-9]"],
    "llama3": [LLAMA3],
    "chatglm-bpe": [LLAMA3],
    "deepseek-llm": [r"[\r\n]", DS_LETTERS, DS_PUNCT, r"\s+$", CJK, r"\p{N}+"],
    "deepseek-coder": [r"[\r\n]", r"\s?\p{L}+", r"\s?\p{P}+", CJK, r"\p{N}"],
    "deepseek-v3": [r"\p{N}{1,3}", CJK_KANA, DSV3],
    "spark2_5": [r"\p{N}{1,3}", CJK_KANA, SPARK, r"\p{N}"],
    "falcon": [r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"[0-9][0-9][0-9]"],
    "starcoder": [r"\p{N}", GPT2],
    "gpt-2": [GPT2],
    "qwen2": [QWEN2],
    "qwen35": [CONTR + r"|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"],
    "seed-coder": [CONTR + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+"],
    "bailingmoe": [r"'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"],
    "ufakzeka": [r"[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"],
    "laguna": [r"[^\n]+|[\n]+", QWEN2],
    "minicpm5": [r"\p{N}{1,3}", CONTR + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"],
    "jais-2": [JAIS2],
    "poro-chat": [PORO],
    "viking": [PORO, r"\p{N}"],
    "tekken": [TEKKEN],
    "gpt-4o": [GPT4O],
    "afmoe": ["AFMOE_DIGITS", AFMOE_CJK, DSV3],
    "youtu": [YOUTU_CJK, CASED + r"|\p{N}" + WS_TAIL],
    "tiny_aya": [r"\d{1,3}(?=(?:\d{3})*\b)", CASED + r"|\p{N}{1,3}" + WS_TAIL],
    "granite-embed-multi-97m": [GRANITE],
    "exaone-moe": [EXAONE_MOE],
    "chameleon": CHAMELEON,
    "superbpe": [r"\p{N}+", r"(?=(\d{3})+(?!\d))"],
}

# llama.cpp's k_ucat_cpt and k_ucat_map.
UCAT = {
    "N": ("\xd1", "0-9"),
    "L": ("\xd2", "A-Za-z"),
    "P": ("\xd3", r"!-#%-*,-/:-;?-@\[-\]_\{\}"),
    "M": ("\xd4", ""),
    "S": ("\xd5", r"\$\+<->^`\|"),
}
PROPS = {"N": "N", "L": "L", "P": "P", "M": "M", "S": "S", "Lu": "L", "Ll": "L", "Lt": "L", "Lm": "L", "Lo": "L"}
CAT_RE = {k: regex.compile(r"\p{%s}" % k) for k in "NLPMS"}
WHITESPACE = set(range(9, 14)) | {0x20, 0x85, 0xA0, 0x1680} | set(range(0x2000, 0x200B)) | {0x2028, 0x2029, 0x202F, 0x205F, 0x3000}


def collapse_char(ch):
    o = ord(ch)
    if o < 128:
        return ch
    if o in WHITESPACE:
        return "\x0b"
    for k in "NLPMS":
        if CAT_RE[k].match(ch):
            return UCAT[k][0]
    return "\xd0"


def collapse_regex(expr):
    """llama.cpp's regex_expr_collapsed loop."""
    out, inside, i = [], False, 0
    while i < len(expr):
        c = expr[i]
        if c == "[" and (i == 0 or expr[i - 1] != "\\"):
            out.append("[")
            inside = True
            i += 1
            continue
        if inside and c == "]" and expr[i - 1] != "\\":
            out.append("]")
            inside = False
            i += 1
            continue
        if c == "\\" and i + 3 < len(expr) and expr[i + 1] == "p" and expr[i + 2] == "{":
            j = expr.find("}", i + 3)
            if j != -1 and j <= i + 10 and expr[i + 3:j] in PROPS:
                rep, members = UCAT[PROPS[expr[i + 3:j]]]
                out.append(rep + members if inside else "[" + rep + members + "]")
                i = j + 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


def split_once(text_view, expr, offsets):
    r = re.compile(expr, re.ASCII)
    res, start = [], 0
    for off in offsets:
        chunk = text_view[start:start + off]
        prev = 0
        for m in r.finditer(chunk):
            if m.start() > prev:
                res.append(m.start() - prev)
            # An empty match (superbpe) gives an empty word, which encodes
            # to nothing; it is dropped here.
            if m.end() > m.start():
                res.append(m.end() - m.start())
            prev = m.end()
        if prev < off:
            res.append(off - prev)
        start += off
    return res


def split_afmoe_digits(text, offsets):
    """llama.cpp's unicode_regex_split_custom_afmoe, which is not a regex:
    digit runs split into len%3 digits then threes, each group taking the
    text since the previous group with it."""
    res, start = [], 0
    for off in offsets:
        end, prev, p = start + off, start, start
        while p < end:
            if not CAT_RE["N"].match(text[p]):
                p += 1
                continue
            q = p
            while q < end and CAT_RE["N"].match(text[q]):
                q += 1
            cur = p
            r = (q - p) % 3
            if r:
                res.append(cur + r - prev)
                prev = cur = cur + r
            while cur < q:
                res.append(cur + 3 - prev)
                prev = cur = cur + 3
            p = q
        if prev < end:
            res.append(end - prev)
        start = end
    return res


def pretokenize(text, exprs):
    collapsed = "".join(collapse_char(ch) for ch in text)
    wide = "".join("\x0b" if ord(ch) > 127 and ord(ch) in WHITESPACE else ch for ch in text)
    offsets = [len(text)] if text else []
    for e in exprs:
        if e == "AFMOE_DIGITS":
            offsets = split_afmoe_digits(text, offsets)
        elif "\\p{" in e:
            offsets = split_once(collapsed, collapse_regex(e), offsets)
        else:
            # std::regex's $ (no multiline) is end of input only.
            offsets = split_once(wide, e.replace(r"\s+$", r"\s+\Z"), offsets)
    pieces, start = [], 0
    for off in offsets:
        pieces.append(text[start:start + off])
        start += off
    return pieces


OWN_CASES = [
    "I'm sure they'RE here, aren't they? DON'T 'S 'll' ''s x's's",
    "'", "''", "' '", "a'", "'ve'VE'Ve", "rock'n'roll", "l'été",
    "1234567 12 345 3.14159 1,000,000 0x1F 007",
    "\u0663\u0664\u0665 \u2460\u2461\u2462 \u00bd\u00bc \u2167",
    "我想在apple工作1314151天～", "日本語のテキスト、カタカナとひらがな。", "한국어 텍스트입니다",
    "\U0001f999\U0001f680 \U0001f636\u200d\U0001f32b\ufe0f \u2705\u2764\ufe0f",
    "a  b", "   ", "\t\t\n\n  \n", "a \n\n b", "\r\n\r\nx\r\n", " \u3000 x \u3000", "\u00a0\u00a0y", "x\u2003\u2003",
    "a\u0085b \u0085", "\u2028\u2029z", "  x  ", "x   ", "\n", " \n", "\n ", "a\n\n\n\nb", "a \t b", "\t",
    "Hello, world!!! ... ?! (a|b) [c] {d}", "a~b~~c ~~~", "$100 + 5^2 = <x> `y` \\z @w #h %p &q *r",
    "\u2026\u3002\uff0c\u3001 \u0964 \u06d4 \u060c", "\u00bfQu\u00e9? \u00a1Hola!", "\u201cquoted\u201d \u2018single\u2019",
    "\u00c4pfel caf\u00e9 na\u00efve \u00e9cole \u00c9COLE e\u0301 n\u0303",
    "HELLOworld HelloWorld aB ABCdef \u00c9\u00c9 \u01c5ungla McDonald'S iPhone",
    "\u0130stanbul \u0131 \u00df STRASSE \u1e9e",
    "def f(x):\n    return x**2  # comment\n\n\nclass A:\n\tpass\r\n",
    "https://example.com/path?q=1&r=2#frag user@mail.org",
    "\u043d\u0435\u0449\u043e \u043d\u0430 \u0411\u044a\u043b\u0433\u0430\u0440\u0441\u043a\u0438",
    "\u1780\u17b6\u1793\u17cb\u178f\u17c2\u1796\u17b7\u179f\u17c1\u179f",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    "\u0645\u0631\u062d\u0628\u0627\u060c \u0639\u0627\u0644\u0645",
    "\x00\x01\x7f ctrl\x1b[0m \u200b zero \ufeffbom \ue000pua",
    "\u0391\u03b8\u03ae\u03bd\u03b1 \u1f08\u03b8\u1fc6\u03bd\u03b1\u03b9 \u2126\u212a \u0394\u03b5\u03bb\u03c4\u03b1",
    "\uff21\uff22\uff23\uff41\uff42 \uff11\uff12\uff13 \uff01\uff1f",
    "x/\n/y a/\r\n b//\n",
    "<sentinel:12> IMGIMGABZ IMGIMGABCDEZ IMGIMGZ <sentinel:x>", "a\t\tb    c  d   e     f",
    "1234abc 12345 9999_ 123\u00e9 1,234,567 v1.2.3 x_12", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35 \u1781\u17d2\u1798\u17c2\u179a \u1019\u103c\u1014\u103a\u1019\u102c \uff71\uff72 \u3131\u314f \u3105\u3106",
    "\uff01\uff1f\u2026\u201c\u201d\u3001\u3002\ufe30 \u2014\u2014",
    "Hello world foo  bar baz\u0301 qu\u0300x 3 dogs",
    "ab12 x1234 12 a123456b",
    " ".join(["word"] * 3) + "   ",
    "MixedCASEWordsAndXMLHttpRequest getHTTPResponse",
    "\u00b5m \u00b5\u00c0\u00d7\u00f7",
]


# Characters for the random cases: one or more of every class the patterns
# tell apart (ASCII letters of both cases, other letters, marks, digits of
# several scripts, punctuation and symbols inside and outside ASCII, '~',
# apostrophes, every kind of space, CJK, kana, hangul, Thai, emoji, controls).
RANDOM_POOL = (list("aAzZeEsStTmMdDlLrRvVi") + ["'", "'", " ", " ", " ", "  ", "\n", "\r", "\t", "\r\n", "\x0b", "\x0c"]
               + list("0123456789") + ["\u0663", "\u00bd", "\uff11", "\u2460"]
               + list("!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~") + ["\u2026", "\u3002", "\uff0c", "\u3001", "\u00bf", "\u00a7", "\u20ac", "\u2014"]
               + ["\u00e9", "\u00c9", "\u00df", "\u0130", "\u01c5", "\u03a9", "\u03c9", "\u0436", "\u0416", "\u0301", "\u0308", "\u094d", "\u0928"]
               + ["\u00a0", "\u3000", "\u2003", "\u0085", "\u2028", "\u200b", "\ufeff", "\x00", "\x1b", "\x7f"]
               + ["\u65e5", "\u672c", "\u3042", "\u30ab", "\u30fc", "\ud55c", "\u3131", "\u0e2a", "\u0e31", "\u1780", "\u1000"]
               + ["\U0001f600", "\u2705", "\ufe0f", "\u200d", "\ue000", "\U0001d400", "\u0378"]
               + ["'s", "'RE", "'ll", "'Ve", "n't", "IMGIMGAZ", "<sentinel:1>"])


def random_cases(n, seed):
    import random
    rng = random.Random(seed)
    return ["".join(rng.choice(RANDOM_POOL) for _ in range(rng.randint(1, 24))) for _ in range(n)]


def read_inp(path):
    raw = open(path, encoding="utf-8").read()
    sep = "\n__ggml_vocab_test__\n"
    cases, pos = [], 0
    while pos < len(raw):
        nxt = raw.find(sep, pos)
        if nxt == -1:
            cases.append(raw[pos:])
            break
        cases.append(raw[pos:nxt])
        pos = nxt + len(sep)
    return cases


def main():
    import os
    cases = []
    inp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "testdata", "vocab", "ggml-vocab-gpt-2.gguf.inp")
    for c in read_inp(inp) + OWN_CASES + random_cases(150, 1234):
        if c not in cases:
            cases.append(c)
    out = {}
    for name, exprs in VARIANTS.items():
        out[name] = [[c, pretokenize(c, exprs)] for c in cases]
    with open("pretok_golden.json", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    print(len(VARIANTS), "variants,", len(cases), "cases")


if __name__ == "__main__":
    main()
