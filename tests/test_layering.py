"""The layers hold, read from the source with `ast` (docs/architecture.md describes them).

- activitypub/ is pure: no `await`, no async code, no HTTP client or server imports;
- domain/ imports nothing from web/, api/, federation/ or aiohttp;
- outbound/ (mail, push) imports nothing from web/ or api/;
- federation/ queries only its queues (inbox items, deliveries, domain health, work items) and, in remote_actors.py,
  the remote-actor cache;
- the inbox worker writes no rows but its queue's, and dispatches to domain `receive_*` functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fedaid"
HTTP_MODULES = ("aiohttp", "httpx", "requests", "urllib.request", "http.client", "socket", "ssl")
QUERY_METHODS = frozenset(
    {
        "all",
        "annotate",
        "bulk_create",
        "bulk_update",
        "count",
        "create",
        "delete",
        "exclude",
        "exists",
        "filter",
        "first",
        "get",
        "get_or_create",
        "get_or_none",
        "raw",
        "select_for_update",
        "update",
        "update_or_create",
        "values",
        "values_list",
    }
)
FEDERATION_QUEUES = frozenset({"InboxItem", "Delivery", "DomainHealth", "WorkItem"})


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def imported_modules(module: ast.Module) -> Iterator[str]:
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def model_names(module: ast.Module) -> set[str]:
    """Names this module imported from fedaid.models (the ORM models and their enums)."""
    names: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fedaid.models"):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def queried_models(module: ast.Module) -> set[str]:
    """Models this module queries: `Model.filter(...)`, `Model.get_or_none(...)`, `Model.create(...)`..."""
    models = model_names(module)
    found = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, ast.Name) and target.id in models and node.func.attr in QUERY_METHODS:
                found.add(target.id)
    return found


def is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", modules("activitypub"), ids=rel)
def test_activitypub_is_pure(path: Path) -> None:
    module = tree(path)
    asynchronous = [
        node.lineno
        for node in ast.walk(module)
        if isinstance(node, (ast.Await, ast.AsyncFunctionDef, ast.AsyncFor, ast.AsyncWith))
    ]
    assert not asynchronous, f"{rel(path)} awaits or defines async code at lines {asynchronous}"
    http = [name for name in imported_modules(module) if any(is_within(name, bad) for bad in HTTP_MODULES)]
    assert not http, f"{rel(path)} imports {http}"
    assert not queried_models(module), f"{rel(path)} queries the database"


@pytest.mark.parametrize("path", modules("domain"), ids=rel)
def test_domain_imports_no_outer_layer(path: Path) -> None:
    outer = ("fedaid.web", "fedaid.api", "fedaid.federation", "fedaid.config", "aiohttp")
    found = [name for name in imported_modules(tree(path)) if any(is_within(name, bad) for bad in outer)]
    assert not found, f"{rel(path)} imports {found}"


@pytest.mark.parametrize("path", modules("outbound"), ids=rel)
def test_outbound_imports_no_page_or_api_module(path: Path) -> None:
    """Mails and pushes share the pages' translations through `fedaid.i18n`, never through `fedaid.web`."""
    outer = ("fedaid.web", "fedaid.api")
    found = [name for name in imported_modules(tree(path)) if any(is_within(name, bad) for bad in outer)]
    assert not found, f"{rel(path)} imports {found}"


@pytest.mark.parametrize("path", modules("federation"), ids=rel)
def test_federation_queries_only_its_queues_and_the_actor_cache(path: Path) -> None:
    allowed = FEDERATION_QUEUES | ({"Actor"} if path.name == "remote_actors.py" else set())
    extra = queried_models(tree(path)) - allowed
    assert not extra, f"{rel(path)} queries {sorted(extra)}: that is the domain's work"


def test_the_inbox_worker_only_dispatches_to_domain_receive_functions() -> None:
    module = tree(PACKAGE / "federation" / "inbox_worker.py")
    assert queried_models(module) <= {"InboxItem"}
    dispatch = next(n for n in module.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "dispatch")
    (match,) = [node for node in dispatch.body if isinstance(node, ast.Match)]
    for case in match.cases:
        calls = [node for node in ast.walk(case) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]
        called = {call.func.attr for call in calls}  # type: ignore[union-attr]
        assert len(case.body) == 1, "one call per case"
        assert all(name.startswith("receive_") for name in called) or called == {"debug"}, called


def test_the_checks_see_violations() -> None:
    """The readers above are not blind: they find a query, an await and an outer import in a sample."""
    sample = ast.parse(
        "from fedaid.models import Post\nfrom fedaid.web import site\nasync def f():\n    await Post.filter(id=1)\n"
    )
    assert queried_models(sample) == {"Post"}
    assert "fedaid.web.site" in set(imported_modules(sample))
    assert any(isinstance(node, ast.Await) for node in ast.walk(sample))
    assert clock_read(ast.parse("datetime.now(UTC)").body[0].value)  # type: ignore[attr-defined]
    own = {"test_inbox"}
    assert names_a_test_module("tests.federation.test_inbox", own) and names_a_test_module("test_inbox.note", own)
    assert not names_a_test_module("inbox_support.note", own) and not names_a_test_module("aiohttp.test_utils", own)


CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"), ("time", "time")}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=rel)
def test_only_clock_py_reads_the_clock(path: Path) -> None:
    """`fedaid/clock.py` is the one reader of the wall clock, so a test can move time for every rule at once."""
    if path.name == "clock.py" and path.parent == PACKAGE:
        return
    reads = [
        f"{call.func.value.id}.{call.func.attr}"  # type: ignore[union-attr]
        for call in ast.walk(tree(path))
        if isinstance(call, ast.Call) and clock_read(call)
    ]
    assert not reads, f"{rel(path)} reads the clock itself ({reads}): use fedaid.clock"


def clock_read(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and (func.value.id, func.attr) in CLOCK_READS
    )


def test_no_test_module_imports_another() -> None:
    """Shared test code lives in conftest.py or in helper modules, never in a `test_*` module another imports."""
    tests = Path(__file__).resolve().parent
    paths = [path for path in sorted(tests.rglob("test_*.py")) if "fixtures" not in path.parts]
    own = {path.stem for path in paths}
    offenders = [
        f"{path.relative_to(tests)} imports {name}"
        for path in paths
        for name in set(imported_modules(tree(path)))
        if names_a_test_module(name, own)
    ]
    assert not offenders, offenders


def names_a_test_module(name: str, own: set[str]) -> bool:
    """`test_inbox`, `tests.federation.test_inbox` or `test_inbox.start_drivers`, for a test module of ours."""
    parts = name.split(".")
    return parts[0] in own or (parts[0] == "tests" and any(part in own for part in parts))
