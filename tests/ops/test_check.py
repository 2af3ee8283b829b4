"""`fedaid check` as an admin runs it: a real process on a real data folder, one line per problem, exit 0/1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fedaid.config import Settings
from fedaid.ops.checks import base_url_problems

from ops.processes import fedaid_env, free_port, run_fedaid

BASE_URL = "https://aid.example"


@pytest.fixture(scope="module")
def initialised(tmp_path_factory) -> Path:
    """A data folder whose SQLite database is migrated and holds the actors of https://aid.example."""
    data = tmp_path_factory.mktemp("check") / "data"
    shown = run_fedaid("collective", "show", env=_env(data))
    assert shown.returncode == 0, shown.stderr
    return data


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = fedaid_env(data, 0, **extra)
    env["FEDAID_BASE_URL"] = extra.get("FEDAID_BASE_URL", BASE_URL)
    for demo in ("FEDAID_ALLOW_HTTP", "FEDAID_ALLOW_PRIVATE_ADDRESSES"):
        env.pop(demo)  # checked as in production
    return env


def test_a_sound_instance_passes(initialised):
    result = run_fedaid("check", env=_env(initialised))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "fedaid check: no problem found."


def _garble(data: Path) -> dict[str, str]:
    (data / "fedaid.toml").write_text("secret_key = [unterminated\n")
    return {}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda data: {"FEDAID_BASE_URL": "https://other.example"}, "actors are named under https://aid.example"),
        (
            lambda data: {"FEDAID_DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/fedaid"},
            "Cannot open the database",
        ),
        (
            lambda data: {"FEDAID_DATABASE_URL": f"sqlite://{data.parent / 'gone.sqlite3'}"},
            "gone.sqlite3 does not exist",
        ),
        (
            lambda data: (data.parent / "empty.sqlite3").touch()
            or {"FEDAID_DATABASE_URL": f"sqlite://{data.parent / 'empty.sqlite3'}"},
            "migration(s) pending, from models.0001_initial",
        ),
        (lambda data: (data / "fedaid.toml").unlink() or {}, "fedaid.toml is missing"),
        (_garble, "fedaid.toml cannot be read"),
        (lambda data: {"FEDAID_SMTP_URL": f"smtp://127.0.0.1:{free_port()}"}, "The SMTP server 127.0.0.1:"),
    ],
    ids=["other-base-url", "database-down", "sqlite-file-missing", "migrations-pending", "no-secret",
         "unreadable-secret", "smtp-refused"],
)  # fmt: skip
def test_each_problem_is_one_line_and_exit_status_1(initialised, tmp_path, change, expected):
    data = tmp_path / "data"
    shutil.copytree(initialised, data)
    result = run_fedaid("check", env=_env(data, **change(data)))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("problem: ") and expected in lines[0], result.stdout
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "gone.sqlite3").exists()  # checking creates nothing


@pytest.mark.parametrize(
    ("base_url", "demo", "expected"),
    [
        ("http://localhost:8080", False, "no other server can reach localhost"),
        ("https://192.168.1.20", False, "no other server can reach 192.168.1.20"),
        ("http://aid.example", False, "other servers deliver only to https"),
        ("https://aid.example", False, None),
        ("http://127.0.0.1:8080", True, None),
    ],
)
def test_base_url_sanity(base_url, demo, expected):
    problems = base_url_problems(Settings(base_url=base_url, allow_http=demo))
    assert problems == [] if expected is None else (len(problems) == 1 and expected in problems[0])
