"""The layers hold, read from the source with `ast` (docs/architecture.md describes them).

- activitypub/ is pure: no `await`, no async code, no HTTP client or server imports;
- domain/ imports nothing from web/, api/, federation/ or aiohttp;
- outbound/ (mail, push) imports nothing from web/ or api/;
- api/ and web/ run no ORM query or SQL: no query method on a model class or a query set, no awaited relation,
  no `save()`/`delete()` of a row, no import of tortoise's query, transaction or connection APIs (models may be
  imported for type hints, enum values and `path_id`);
- federation/ queries only its queues (inbox items, deliveries, domain health, work items) and, in remote_actors.py,
  the remote-actor cache;
- the inbox worker writes no rows but its queue's, and dispatches to domain `receive_*` functions;
- SQL text and the database's dialect live in fedaid/storage/ alone: no other module reads the dialect, runs
  SQL through a connection, locks rows, or holds a string of SQL or of one dialect's syntax.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tortoise.fields.relational import RelationalField
from tortoise.models import Model

import fedaid.models

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
# The storage helpers federation/ may use for its queues: claiming due rows, storing a burst of inbox items, and
# planning a batch's statements for their values.
FEDERATION_STORAGE = (
    "fedaid.storage.claims",
    "fedaid.storage.bulk_insert",
    "fedaid.storage.availability",
    "fedaid.storage.postgres_engine",
)
# Methods only a query set, a model or a connection has: called on anything, they run or build a query.
ORM_ONLY_METHODS = frozenset(
    {
        "all",
        "annotate",
        "bulk_create",
        "bulk_update",
        "execute_insert",
        "execute_query",
        "execute_query_dict",
        "execute_script",
        "exclude",
        "fetch_related",
        "filter",
        "get_or_create",
        "get_or_none",
        "group_by",
        "in_bulk",
        "order_by",
        "prefetch_related",
        "refresh_from_db",
        "select_for_update",
        "select_related",
        "update_or_create",
        "using_db",
        "values_list",
    }
)
# A row's own writes, called without positional arguments (`row.save()`, `row.delete()`; a file store's
# `delete(key)` or a picture's `save(buffer)` is not one).
ROW_WRITES = frozenset({"save", "delete"})
# What api/ and web/ may import from tortoise: the exceptions, to answer them. Not its query, function,
# expression, transaction or connection modules, nor fedaid's own storage and database modules.
ALLOWED_TORTOISE = ("tortoise.exceptions",)
DATABASE_MODULES = ("tortoise", "fedaid.storage", "fedaid.db")


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


def relation_names() -> frozenset[str]:
    """The names under which one model reaches another (`post.author`, `actor.posts`): awaiting one is a query."""
    names: set[str] = set()
    for model in vars(fedaid.models).values():
        if isinstance(model, type) and issubclass(model, Model) and model is not Model:
            for name, field in model._meta.fields_map.items():
                if isinstance(field, RelationalField):
                    names.update(n for n in (name, getattr(field, "related_name", None)) if n and n.isidentifier())
    return frozenset(names)


RELATIONS = relation_names()


def database_uses(module: ast.Module) -> list[str]:
    """Each ORM query or SQL a module runs itself, as `line: what`."""
    found = [f"queries {name}" for name in sorted(queried_models(module))]
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in ORM_ONLY_METHODS or (method in ROW_WRITES and not node.args):
                found.append(f"{node.lineno}: .{method}()")
        elif isinstance(node, ast.Await) and isinstance(node.value, ast.Attribute) and node.value.attr in RELATIONS:
            found.append(f"{node.lineno}: await .{node.value.attr} (a relation)")
    imported = [name for name in dict.fromkeys(imported_modules(module)) if is_database_module(name)]
    # `from tortoise.expressions import Q` reads as the module and as `tortoise.expressions.Q`: name the module.
    found += [f"imports {name}" for name in imported if not any(name.startswith(f"{other}.") for other in imported)]
    return found


def is_database_module(name: str) -> bool:
    allowed = any(is_within(name, ok) for ok in ALLOWED_TORTOISE)
    return not allowed and any(is_within(name, bad) for bad in DATABASE_MODULES)


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


@pytest.mark.parametrize("path", modules("api") + modules("web"), ids=rel)
def test_api_and_web_run_no_query_of_their_own(path: Path) -> None:
    """Handlers parse parameters, call the domain and render: every read and write is a domain function."""
    found = database_uses(tree(path))
    assert not found, f"{rel(path)} runs queries itself (move them to fedaid/domain/): {found}"


@pytest.mark.parametrize("path", modules("federation"), ids=rel)
def test_federation_queries_only_its_queues_and_the_actor_cache(path: Path) -> None:
    allowed = FEDERATION_QUEUES | ({"Actor"} if path.name == "remote_actors.py" else set())
    module = tree(path)
    extra = queried_models(module) - allowed
    assert not extra, f"{rel(path)} queries {sorted(extra)}: that is the domain's work"
    storage = {name for name in imported_modules(module) if is_within(name, "fedaid.storage")}
    other = {name for name in storage if not any(is_within(name, ok) for ok in FEDERATION_STORAGE)}
    assert not other, f"{rel(path)} uses {sorted(other)}: federation/ stores only its queues' rows"


def test_the_inbox_worker_only_dispatches_to_domain_receive_functions() -> None:
    for name in ("inbox_worker.py", "inbox_dispatch.py"):
        assert queried_models(tree(PACKAGE / "federation" / name)) <= {"InboxItem"}, name
    module = tree(PACKAGE / "federation" / "inbox_dispatch.py")
    dispatch = next(n for n in module.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "dispatch")
    (match,) = [node for node in dispatch.body if isinstance(node, ast.Match)]
    for case in match.cases:
        calls = [node for node in ast.walk(case) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]
        called = {call.func.attr for call in calls}  # type: ignore[union-attr]
        assert len(case.body) == 1, "one call per case"
        assert all(name.startswith("receive_") for name in called) or called == {"debug"}, called


RAW_SQL_METHODS = frozenset(
    {"execute_insert", "execute_many", "execute_query", "execute_query_dict", "execute_script", "select_for_update"}
)
# A string that reads as SQL (a statement's opening words) or holds one dialect's syntax: numbered or `?n`
# parameters, full-text search, row locks, SQLite pragmas and functions, PostgreSQL casts and array functions.
SQL_TEXT = re.compile(
    r"^\s*(?:SELECT\s.+\sFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|PRAGMA|BEGIN|WITH\s+\w+\s+AS)\b"
    r"|\$\d+\b|\?\d+\b|\b(?:to_tsvector|to_tsquery|ts_rank|bm25|unnest|printf|LEAST|GREATEST|pg_\w+)\("
    r"|\bFOR\s+UPDATE\b|\bSKIP\s+LOCKED\b|\bBEGIN\s+IMMEDIATE\b|\bON\s+CONFLICT\b|\bMATCH\s+[?$]|::(?:bigint|text|int)",
    re.DOTALL,
)


def docstrings(module: ast.Module) -> set[int]:
    """The ids of the module's, classes' and functions' docstring nodes (they may describe SQL)."""
    found = set()
    for node in ast.walk(module):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def dialect_uses(module: ast.Module) -> list[str]:
    """Each place a module reads the dialect, runs SQL text or writes SQL, as `line: what`."""
    described = docstrings(module)
    found = []
    for node in ast.walk(module):
        if isinstance(node, ast.Attribute) and node.attr == "dialect":
            found.append(f"{node.lineno}: .dialect")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RAW_SQL_METHODS:
            found.append(f"{node.lineno}: .{node.func.attr}()")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in described:
            if SQL_TEXT.search(node.value):
                found.append(f"{node.lineno}: SQL {node.value[:40]!r}")
    return found


@pytest.mark.parametrize("path", [p for p in sorted(PACKAGE.rglob("*.py")) if "storage" not in p.parts], ids=rel)
def test_sql_and_the_dialect_live_in_storage(path: Path) -> None:
    """One home for what differs between SQLite and PostgreSQL: fedaid/storage/, with one placeholder translator."""
    found = dialect_uses(tree(path))
    assert not found, f"{rel(path)} writes SQL or reads the dialect itself (move it to fedaid/storage/): {found}"


SQLITE_MARK = re.compile(r"(?<![\w'\"])\?\d*(?=[\s,)])")


def test_storage_translates_placeholders_in_one_place() -> None:
    """Storage SQL is written with `$n` marks: only storage/dialect.py turns them into SQLite's `?n`, and the
    other storage modules ask `dialect.is_sqlite` rather than reading the dialect's name."""
    for path in modules("storage"):
        if path.name != "dialect.py":
            source = path.read_text()
            assert "capabilities.dialect" not in source, rel(path)
            assert not SQLITE_MARK.findall(source), f"{rel(path)} writes SQLite's marks: {SQLITE_MARK.findall(source)}"
    assert SQLITE_MARK.findall("VALUES (?, ?1)") == ["?", "?1"] and not SQLITE_MARK.findall('url.split("?", 1)')


def test_the_checks_see_violations() -> None:
    """The readers above are not blind: they find a query, an await and an outer import in a sample."""
    sample = ast.parse(
        "from fedaid.models import Post\nfrom fedaid.web import site\nasync def f():\n    await Post.filter(id=1)\n"
    )
    assert queried_models(sample) == {"Post"}
    assert "fedaid.web.site" in set(imported_modules(sample))
    assert any(isinstance(node, ast.Await) for node in ast.walk(sample))
    assert clock_read(ast.parse("datetime.now(UTC)").body[0].value)  # type: ignore[attr-defined]
    assert database_uses(sample) == ["queries Post", "4: .filter()"]
    queries = ast.parse(
        "from tortoise.expressions import Q\nfrom tortoise.transactions import in_transaction\n"
        "from fedaid.storage import dialect\nasync def f(rows, row, session, conn):\n"
        "    await rows.order_by('id').select_related('author')\n    await row.fetch_related('author')\n"
        "    await session.circle\n    await row.save()\n    await row.delete()\n    await conn.execute_query('x')\n"
    )
    assert sorted(database_uses(queries)) == [
        "10: .execute_query()",
        "5: .order_by()",
        "5: .select_related()",
        "6: .fetch_related()",
        "7: await .circle (a relation)",
        "8: .save()",
        "9: .delete()",
        "imports fedaid.storage",
        "imports tortoise.expressions",
        "imports tortoise.transactions",
    ]
    harmless = ast.parse(
        "from tortoise.exceptions import IntegrityError\nfrom fedaid.models import Post, Visibility\n"
        "async def f(request, params, store, image, buffer, task):\n    path_id(request, Post)\n"
        "    Visibility.PUBLIC\n    params.raw('x')\n    await store.delete('key')\n    image.save(buffer)\n"
        "    await task._task\n    {}.get('x')\n"
    )
    assert database_uses(harmless) == []
    dialects = ast.parse(
        'async def f(db):\n    """SELECT 1 FROM t FOR UPDATE SKIP LOCKED, as a docstring says."""\n'
        "    if db.capabilities.dialect == 'sqlite':\n        await db.execute_query('DELETE FROM t WHERE id = ?1')\n"
        '    sql = f"UPDATE t SET n = LEAST(n, {x}) WHERE id = $1"\n'
        "    notice = 'Select the posts from the list'\n"
    )
    assert sorted({use.split(" ")[0] for use in dialect_uses(dialects)}) == ["3:", "4:", "5:"], dialect_uses(dialects)
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
