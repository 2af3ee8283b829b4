"""`fedaid backup` and `fedaid restore`: the database, `fedaid.toml` and the media files, with a manifest.

A backup is a folder, or the same folder as one `.tar.gz` archive:

    manifest.json     what was saved, when, from which instance; each file's size and SHA-256
    fedaid.toml       the secret key that signs sessions, and the settings written by the first run
    fedaid.sqlite3    SQLite: a consistent copy made with SQLite's online backup API while the instance runs
    fedaid.pgdump     PostgreSQL: `pg_dump --format=custom` of the database (pg_dump must be installed)
    media/            uploads and cached remote media

The VAPID key pair (Web Push) and every actor's RSA keys live in the database, so they are in the copy.
Restoring puts them back in an empty data folder (and, for PostgreSQL, an empty database, with pg_restore);
the instance then serves the same actors and posts under the same keys.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import fedaid
from fedaid.clock import utcnow
from fedaid.config import CONFIG_FILE_NAME, Settings
from fedaid.errors import ConfigError
from fedaid.storage.postgres_engine import libpq_url

MANIFEST = "manifest.json"
SQLITE_COPY = "fedaid.sqlite3"
POSTGRES_DUMP = "fedaid.pgdump"
MEDIA = "media"
FORMAT = 1


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    files: int
    bytes: int


def sqlite_file(database_url: str) -> Path:
    """The file of a `sqlite://` URL."""
    return Path(database_url.split("://", 1)[1].split("?", 1)[0])


def make_backup(settings: Settings, destination: Path) -> BackupSummary:
    """Save the database, `fedaid.toml` and media of `settings` to `destination` (a new folder, or `*.tar.gz`)."""
    archive = destination.name.endswith((".tar.gz", ".tgz"))
    if destination.exists():
        raise ConfigError(f"{destination} already exists: name a new folder or archive for the backup.")
    if archive:
        with tempfile.TemporaryDirectory(dir=destination.parent) as scratch:
            folder = Path(scratch) / destination.name.removesuffix(".tar.gz").removesuffix(".tgz")
            summary = _fill(settings, folder)
            partial = destination.with_name(f".{destination.name}.partial")
            with tarfile.open(partial, "w:gz") as tar:
                tar.add(folder, arcname=folder.name)
            partial.replace(destination)
        return BackupSummary(destination, summary.files, summary.bytes)
    return _fill(settings, destination)


def _fill(settings: Settings, folder: Path) -> BackupSummary:
    folder.mkdir(parents=True)
    data_dir = Path(settings.data_dir)
    config = data_dir / CONFIG_FILE_NAME
    if config.exists():
        shutil.copy2(config, folder / CONFIG_FILE_NAME)
    if settings.is_sqlite:
        _copy_sqlite(sqlite_file(settings.database_url), folder / SQLITE_COPY)
    else:
        _pg_dump(settings.database_url, folder / POSTGRES_DUMP)
    if settings.media_dir.is_dir():
        shutil.copytree(settings.media_dir, folder / MEDIA)
    files = {str(path.relative_to(folder)): _describe(path) for path in _files(folder)}
    manifest = {
        "format": FORMAT,
        "fedaid_version": fedaid.__version__,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "base_url": settings.base_url,
        "database": "sqlite" if settings.is_sqlite else "postgres",
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return BackupSummary(folder, len(files), sum(entry["size"] for entry in files.values()))


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup (https://www.sqlite.org/backup.html): consistent while other processes write."""
    if not source.exists():
        raise ConfigError(f"The database file {source} does not exist: nothing to back up.")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pg_dump(database_url: str, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise ConfigError("pg_dump is not installed (Debian: apt install postgresql-client): it dumps the database.")
    done = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}", libpq_url(database_url)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise ConfigError(f"pg_dump failed: {' '.join(done.stderr.split())}")


def restore_backup(source: Path, settings: Settings) -> BackupSummary:
    """Put the backup at `source` (folder or `.tar.gz`) into the empty data folder (and database) of `settings`."""
    if source.is_file():
        with tempfile.TemporaryDirectory() as scratch:
            with tarfile.open(source, "r:gz") as tar:
                tar.extractall(scratch, filter="data")
            folders = [path for path in Path(scratch).iterdir() if path.is_dir()]
            if len(folders) != 1:
                raise ConfigError(f"{source} is not a fedaid backup archive (one folder expected inside).")
            return _restore_folder(folders[0], settings)
    return _restore_folder(source, settings)


def _restore_folder(folder: Path, settings: Settings) -> BackupSummary:
    manifest = read_manifest(folder)
    data_dir = Path(settings.data_dir)
    if (data_dir / CONFIG_FILE_NAME).exists() or (settings.media_dir.exists() and any(settings.media_dir.iterdir())):
        raise ConfigError(f"The data folder {data_dir} is not empty: restore into a new one (FEDAID_DATA_DIR).")
    kind = "sqlite" if settings.is_sqlite else "postgres"
    if manifest["database"] != kind:
        raise ConfigError(f"This backup holds a {manifest['database']} database but FEDAID_DATABASE_URL is {kind}.")
    data_dir.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        target = sqlite_file(settings.database_url)
        if target.exists():
            raise ConfigError(f"The database file {target} exists: restore into a new data folder.")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / SQLITE_COPY, target)
    else:
        _pg_restore(folder / POSTGRES_DUMP, settings.database_url)
    if (folder / CONFIG_FILE_NAME).exists():
        shutil.copy2(folder / CONFIG_FILE_NAME, data_dir / CONFIG_FILE_NAME)
    if (folder / MEDIA).is_dir():
        shutil.copytree(folder / MEDIA, settings.media_dir, dirs_exist_ok=True)
    files = manifest["files"]
    return BackupSummary(data_dir, len(files), sum(entry["size"] for entry in files.values()))


def read_manifest(folder: Path) -> dict:
    """The manifest of the backup in `folder`, after checking every file it lists (size and SHA-256)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"{folder} is not a fedaid backup: {MANIFEST} cannot be read ({err}).") from err
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file() or _describe(path) != expected:
            raise ConfigError(f"The backup is damaged: {name} is missing or differs from its manifest entry.")
    return manifest


def _pg_restore(dump: Path, database_url: str) -> None:
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise ConfigError("pg_restore is not installed (Debian: apt install postgresql-client).")
    database = urlsplit(database_url).path.lstrip("/")
    done = subprocess.run(
        [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={libpq_url(database_url)}", str(dump)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise ConfigError(
            f"pg_restore into {database} failed (it needs an empty database): {' '.join(done.stderr.split())}"
        )


def _files(folder: Path) -> Iterator[Path]:
    return (path for path in sorted(folder.rglob("*")) if path.is_file() and path.name != MANIFEST)


def _describe(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}
