"""JSON bodies: one object of bounded depth, with strings PostgreSQL can store, and its @context."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from fedaid.activitypub.parse.values import JSONDict
from fedaid.activitypub.vocab import AS_CONTEXT
from fedaid.errors import InvalidActivity

MAX_DEPTH = 64

# PostgreSQL text cannot hold NUL, and a lone surrogate cannot be encoded back to UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_RISKY_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")  # \u0000, or half of a surrogate pair


def load_json_object(body: bytes, *, max_depth: int = MAX_DEPTH) -> JSONDict:
    """Decode a request or response body that must hold one JSON object of bounded depth."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:  # refused: the standard decoder says precisely why (or takes it)
        doc = _decode_strictly(body, max_depth)
    if not isinstance(doc, dict):
        raise InvalidActivity("the JSON body must be an object")
    # Cheap bounds on the text spare most documents the walk: brackets (counted even inside strings)
    # bound the depth, and a NUL or a lone surrogate can only come from a \u escape, since strict
    # decoding refuses raw control characters and UTF-8 refuses encoded surrogates.
    may_be_deep = body.count(b"{") + body.count(b"[") > max_depth
    may_be_unstorable = b"\\u" in body and _RISKY_ESCAPE.search(body) is not None  # `in` is a fast memchr
    if may_be_deep or may_be_unstorable:
        _check_tree(doc, max_depth, check_strings=may_be_unstorable)
    return doc


def _decode_strictly(body: bytes, max_depth: int) -> Any:
    """The standard library's decoder, for what orjson refused: its errors name the fault."""
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidActivity("the body is not valid UTF-8") from err
    try:
        return _DECODER.decode(text)
    except RecursionError as err:  # the C decoder recurses once per level
        raise InvalidActivity(f"the JSON is nested deeper than {max_depth} levels") from err
    except ValueError as err:  # JSONDecodeError, NaN/Infinity, integers past Python's digit limit
        raise InvalidActivity(f"the body is not valid JSON: {err}") from err


def has_as_context(doc: JSONDict) -> bool:
    """Whether @context names ActivityStreams; Mastodon drops documents without it (JsonLdHelper)."""
    context = doc.get("@context")
    return context == AS_CONTEXT or (isinstance(context, list) and AS_CONTEXT in context)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)  # one, not one per call


def _check_tree(doc: JSONDict, max_depth: int, *, check_strings: bool = True) -> None:
    """Walk the decoded tree without recursion: bounded depth, and storable strings if asked."""
    stack: list[tuple[JSONDict | list[Any], int]] = [(doc, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > max_depth:
            raise InvalidActivity(f"the JSON is nested deeper than {max_depth} levels")
        if check_strings and isinstance(container, dict):
            for key in container:
                _check_string(key)
        for value in container.values() if isinstance(container, dict) else container:
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
            elif check_strings and isinstance(value, str):
                _check_string(value)


def _check_string(text: str) -> None:
    if _UNSTORABLE.search(text):
        raise InvalidActivity("the JSON holds a NUL character or an unpaired surrogate")
