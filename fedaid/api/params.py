"""Read client API input the way Mastodon does: query, form, JSON or multipart bodies, one shape for all."""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from aiohttp import web

from fedaid.errors import InvalidInput

TRUE_WORDS = frozenset({"1", "true", "t", "on", "yes"})


class Params:
    """Named input values; `name[]` and repeated keys are lists, JSON objects keep their nesting."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def raw(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self._values.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict) else str(value)

    def bool(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in TRUE_WORDS

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.str(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except ValueError:
            raise InvalidInput(f"{name} must be a whole number.") from None

    def choice(self, name: str, choices: type[StrEnum]) -> StrEnum | None:
        """One of an enumeration's values, None when absent; 400 listing every choice otherwise."""
        value = self.str(name)
        if value in (None, ""):
            return None
        try:
            return choices(value)
        except ValueError:
            allowed = ", ".join(member.value for member in choices)
            raise InvalidInput(f"{name} must be one of: {allowed}.") from None

    def list(self, name: str) -> list[str]:
        value = self._values.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(item) for item in value if item is not None]
        if isinstance(value, str) and "," in value and name in ("types", "exclude_types"):
            return [part for part in value.split(",") if part]
        return [str(value)]

    def dict(self, name: str) -> dict[str, Any]:
        value = self._values.get(name)
        return value if isinstance(value, dict) else {}


def _fold(pairs: Iterable[tuple[str, Any]], into: dict[str, Any]) -> dict[str, Any]:
    """`a[]=1&a[]=2` → a: [1, 2]; `a[b][c]=1` → a: {b: {c: 1}}; a repeated plain key → a list."""
    for key, value in pairs:
        if key.endswith("[]"):
            into.setdefault(key[:-2], [])
            if not isinstance(into[key[:-2]], list):
                into[key[:-2]] = [into[key[:-2]]]
            into[key[:-2]].append(value)
        elif "[" in key and key.endswith("]"):
            outer, _, inner = key[:-1].partition("[")
            *parents, last = [outer, *inner.split("][")]  # a[b][c]=1 → a: {b: {c: 1}} (Mastodon's push keys)
            target: Any = into
            for parent in parents:
                target = target.setdefault(parent, {}) if isinstance(target, dict) else None
            if isinstance(target, dict):
                target[last] = value
        elif key in into and key not in ("access_token",):
            existing = into[key]
            into[key] = existing + [value] if isinstance(existing, list) else [existing, value]
        else:
            into[key] = value
    return into


async def read_params(request: web.Request) -> Params:
    """Query values, overridden by the body's (form, multipart or JSON), as Rails merges them for Mastodon."""
    values = _fold(request.query.items(), {})
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.body_exists:
        values.update(await _read_body(request))
    if _holds_nul(values):
        raise InvalidInput("A value holds a NUL character, which no text may contain.")
    return Params(values)


def _holds_nul(value: Any, depth: int = 0) -> bool:
    """True when some text in `value` contains U+0000 (PostgreSQL's text cannot store it)."""
    if isinstance(value, str):
        return "\x00" in value
    if depth > 20:
        return False
    if isinstance(value, dict):
        return any(_holds_nul(key, depth + 1) or _holds_nul(item, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item, depth + 1) for item in value)
    return False


async def _read_body(request: web.Request) -> dict[str, Any]:
    content_type = request.content_type
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise InvalidInput("The request body is not valid JSON.") from err
        if not isinstance(body, dict):
            raise InvalidInput("The JSON body must be an object.")
        return body
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        pairs = [
            (key, value if isinstance(value, str) else getattr(value, "filename", "")) for key, value in form.items()
        ]
        return _fold(pairs, {})
    text = (await request.text()).strip()
    if text.startswith("{"):
        try:
            body = json.loads(text)
        except json.JSONDecodeError as err:
            raise InvalidInput("The request body is not valid JSON.") from err
        return body if isinstance(body, dict) else {}
    return {}
