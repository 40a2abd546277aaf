#!/usr/bin/env python3
"""Render every template in templates/ for every case in cases.json with Python
jinja2, the way Hugging Face transformers' apply_chat_template does, and write
golden/<template>.json. The Go tests in package chat compare Render against these
files byte for byte.

Environment (as transformers.utils.chat_template_utils._compile_jinja_template):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the
loopcontrols extension and a no-op {% generation %} tag, the tojson filter
overridden by json.dumps(ensure_ascii=False, ...), and the globals
raise_exception and strftime_now. strftime_now uses a fixed clock (NOW) so the
output is reproducible; the Go test passes the same instant.

Messages are built as the chat package builds them from its Message type:
keys role, content (always a string, "" when absent, as vLLM passes it), then
name, tool_calls, tool_call_id only when set; tool
call arguments are parsed into dicts (as vLLM and transformers expect), list
contents stay lists; if rendering fails for a reason other than
raise_exception, it is retried as chat.Template.Render does (render_case).

Run from this directory: python3 gen.py
"""
import json
import os
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

NOW = datetime(2025, 3, 14, 9, 26, 53)
BOS = "<s>"
EOS = "</s>"


class Raised(jinja2.exceptions.TemplateError):
    pass


class Generation(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise Raised(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return NOW.strftime(fmt)


def env():
    e = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                      extensions=[Generation, jinja2.ext.loopcontrols])
    e.filters["tojson"] = tojson
    e.globals["raise_exception"] = raise_exception
    e.globals["strftime_now"] = strftime_now
    return e


def build_messages(msgs, string_args, flat_parts):
    out = []
    for m in msgs:
        d = {"role": m["role"]}
        content = m.get("content")
        if content is None:
            content = ""
        if flat_parts and isinstance(content, list):
            content = "".join(p.get("text", "") for p in content)
        calls = m.get("tool_calls") or []
        d["content"] = content
        if m.get("name"):
            d["name"] = m["name"]
        if calls:
            tcs = []
            for c in calls:
                tc = {}
                if c.get("id"):
                    tc["id"] = c["id"]
                tc["type"] = c.get("type") or "function"
                args = c["function"]["arguments"]
                if not string_args:
                    try:
                        parsed = json.loads(args)
                        if isinstance(parsed, dict):
                            args = parsed
                    except ValueError:
                        pass
                tc["function"] = {"name": c["function"]["name"], "arguments": args}
                tcs.append(tc)
            d["tool_calls"] = tcs
        if m.get("tool_call_id"):
            d["tool_call_id"] = m["tool_call_id"]
        out.append(d)
    return out


def render(tpl, case, tools, string_args, flat_parts):
    kwargs = dict(case.get("extra", {}))
    kwargs.update(
        messages=build_messages(case["messages"], string_args, flat_parts),
        tools=tools if case.get("with_tools") else None,
        documents=None,
        add_generation_prompt=case["add_generation_prompt"],
        bos_token=BOS,
        eos_token=EOS,
    )
    return tpl.render(**kwargs)


def render_case(tpl, case, tools):
    """The attempts of chat.Template.Render: dict arguments and list
    contents first, then string arguments, then joined text parts, then
    both; raise_exception stops at once; else the first error is kept."""
    calls = any(m.get("tool_calls") for m in case["messages"])
    parts = any(isinstance(m.get("content"), list) for m in case["messages"])
    first = None
    for string_args, flat_parts, attempt in ((False, False, True), (True, False, calls),
                                              (False, True, parts), (True, True, calls and parts)):
        if not attempt:
            continue
        try:
            res = {"output": render(tpl, case, tools, string_args, flat_parts)}
            if string_args:
                res["string_args"] = True
            if flat_parts:
                res["flat_parts"] = True
            return res
        except Raised as e:
            return {"raise": str(e)}
        except Exception as e:
            if first is None:
                first = {"error": "%s: %s" % (type(e).__name__, e)}
    return first


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "cases.json"), encoding="utf-8") as f:
        spec = json.load(f)
    tdir = os.path.join(here, "templates")
    os.makedirs(os.path.join(here, "golden"), exist_ok=True)
    for fn in sorted(os.listdir(tdir)):
        if not fn.endswith(".jinja"):
            continue
        with open(os.path.join(tdir, fn), encoding="utf-8") as f:
            src = f.read()
        tpl = env().from_string(src)
        results = {}
        for case in spec["cases"]:
            results[case["name"]] = render_case(tpl, case, spec["tools"])
        out = os.path.join(here, "golden", fn[: -len(".jinja")] + ".json")
        with open(out, "w", encoding="utf-8") as f:
            json.dump(results, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
        print(fn, {k: ("ok" if "output" in v else ("raise" if "raise" in v else "error")) for k, v in results.items()})


if __name__ == "__main__":
    main()
