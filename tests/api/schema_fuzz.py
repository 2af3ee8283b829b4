"""Schema-driven request generation (hypothesis) for an OpenAPI 3.1 document: path, query and body values
drawn from each operation's parameter and request-body schemas, with wrong-typed and out-of-range values mixed
in, sent over HTTP to a live instance; every answer must be below 500 and, when JSON, valid for the schema.

Used by tests/api/test_fuzz_api.py; `FEDAID_FUZZ_EXAMPLES` sets the examples per operation (a longer run).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

MAX_DEPTH = 3
# Values Mastodon clients and fuzzers send that stress parsers: huge, negative, empty, non-numeric ids.
AWKWARD_TEXT = ["", "0", "-1", "9" * 25, "1e9", "null", "true", "abc", " ", "%", "../x", "é", "\x00", "1,2"]
AWKWARD_INTS = [0, -1, 1, 40, 41, 80, 81, 1000, 2**31, 2**63, 10**25, -(10**25)]


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    spec: dict[str, Any]


@dataclass
class FuzzReport:
    operations: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)


class Document:
    """An OpenAPI document with its `$ref`s followed."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 20:
            target: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            schema, seen = target, seen + 1
        return schema

    def values(self, schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
        """Values of `schema`, now and then of another type."""
        typed = self._typed(schema, depth)
        return st.one_of(typed, typed, typed, _wrong())

    def _typed(self, schema: Any, depth: int) -> st.SearchStrategy[Any]:
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return _scalars()
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return st.one_of([self._typed(part, depth) for part in schema[key]])
        if "allOf" in schema:
            merged: dict[str, Any] = {"type": "object", "properties": {}}
            for part in schema["allOf"]:
                merged["properties"].update(self.resolve(part).get("properties", {}))
            return self._typed(merged, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"] or ["null"]
            return st.one_of([self._typed({**schema, "type": k}, depth) for k in kinds])
        if kind == "string":
            return _strings()
        if kind == "integer":
            return st.one_of(st.integers(-(2**70), 2**70), st.sampled_from(AWKWARD_INTS))
        if kind == "number":
            return st.floats(allow_nan=False, allow_infinity=False)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        if kind == "array":
            if depth >= MAX_DEPTH:
                return st.just([])
            return st.lists(self._typed(schema.get("items", {}), depth + 1), max_size=3)
        if kind == "object" or "properties" in schema:
            if depth >= MAX_DEPTH:
                return st.just({})
            properties = {name: self.values(sub, depth + 1) for name, sub in schema.get("properties", {}).items()}
            return st.fixed_dictionaries({}, optional=properties)
        return _scalars()


def _strings() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=20),
        st.sampled_from(AWKWARD_TEXT),
        st.integers(-(10**22), 10**22).map(str),
        st.sampled_from(["2025-01-01T00:00:00Z", "not-a-date", "1999-13-40"]),
    )


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(_strings(), st.integers(-(2**70), 2**70), st.booleans(), st.none())


def _wrong() -> st.SearchStrategy[Any]:
    return st.one_of(
        _scalars(), st.lists(_scalars(), max_size=2), st.dictionaries(st.text(max_size=5), _scalars(), max_size=2)
    )


def _as_query(name: str, value: Any) -> list[tuple[str, str]]:
    """How a client puts a value in a query string: arrays as `name[]`, booleans as words, objects as JSON."""
    if value is None:
        return []
    if isinstance(value, list):
        return [pair for item in value for pair in _as_query(f"{name}[]", item)]
    if isinstance(value, bool):
        return [(name, "true" if value else "false")]
    if isinstance(value, dict):
        return [(name, json.dumps(value))]
    return [(name, str(value))]


def request_strategy(doc: Document, op: Operation, known_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """One request for `op`: its path filled in, its query and (JSON or form) body drawn from the schemas."""
    path_names = re.findall(r"\{(\w+)\}", op.template)
    ids = st.one_of(
        st.sampled_from(known_ids),
        st.integers(0, 10**25).map(str),
        st.sampled_from(AWKWARD_TEXT[1:]),
        st.text(alphabet="abc0123456789-_", min_size=1, max_size=12),
    )
    path = st.fixed_dictionaries({name: ids for name in path_names})
    query_params = [doc.resolve(p) for p in op.spec.get("parameters", []) if doc.resolve(p).get("in") == "query"]
    query = st.fixed_dictionaries({}, optional={p["name"]: doc.values(p.get("schema", {})) for p in query_params})
    extra = st.dictionaries(st.sampled_from(["unknown", "x[]", "page", "foo"]), st.text(max_size=5), max_size=1)
    body: st.SearchStrategy[Any] = st.none()
    form = False
    content = (op.spec.get("requestBody") or {}).get("content", {})
    if "application/json" in content:
        body = doc.values(content["application/json"].get("schema", {}))
    elif content:
        media = next(iter(content.values()))
        body, form = doc.values(media.get("schema", {})), True
    return st.fixed_dictionaries(
        {"path": path, "query": query, "extra": extra, "body": body, "form": st.just(form), "token": st.booleans()}
    )


def fuzz_operation(
    base_url: str,
    session: requests.Session,
    doc: Document,
    op: Operation,
    *,
    known_ids: list[str],
    token: str,
    examples: int,
    check: Callable[[str, str, int, Any], list[str]],
    report: FuzzReport,
) -> None:
    """Send `examples` generated requests for `op` (derandomised); record every 5xx or schema problem."""

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(request_strategy(doc, op, known_ids))
    def run(drawn: dict[str, Any]) -> None:
        path = op.template
        for name, value in drawn["path"].items():
            path = path.replace("{" + name + "}", requests.utils.quote(value, safe=""))
        pairs = [pair for name, value in drawn["query"].items() for pair in _as_query(name, value)]
        pairs += list(drawn["extra"].items())
        headers = {"Authorization": f"Bearer {token}"} if drawn["token"] else {}
        kwargs: dict[str, Any] = {}
        body = drawn["body"]
        if body is not None and op.method in ("POST", "PUT", "PATCH", "DELETE"):
            if drawn["form"] and isinstance(body, dict):
                kwargs["data"] = [pair for name, value in body.items() for pair in _as_query(name, value)]
            else:
                kwargs["json"] = body
        report.requests += 1
        answer = session.request(op.method, base_url + path, params=pairs, headers=headers, timeout=30, **kwargs)
        where = f"{op.method} {path}?{pairs} body={body!r} → {answer.status_code}"
        assert answer.status_code < 500, f"{where}: {answer.text[:300]}"
        if answer.headers.get("Content-Type", "").startswith("application/json"):
            problems = check(op.method, path, answer.status_code, answer.json())
            assert not problems, f"{where}: {problems}"

    report.operations += 1
    try:
        run()
    except AssertionError as failure:
        report.failures.append(str(failure).splitlines()[0][:600])
