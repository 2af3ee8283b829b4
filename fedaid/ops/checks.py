"""`fedaid check`: what would keep this instance from running well, one sentence per problem.

Read-only: nothing is migrated, created or sent. Looked at, in order: the secret key in `fedaid.toml`, the
settings, the base URL, the database (reachable, migrated, and the actors' keys there), and the SMTP server.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import aiosmtplib
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from fedaid.config import CONFIG_FILE_NAME, Settings
from fedaid.db import Database, sqlite_file
from fedaid.errors import ConfigError
from fedaid.models import Actor, ActorType
from fedaid.outbound.mail import parse_smtp_url

SMTP_CHECK_TIMEOUT = 10


async def run_checks(environ: Mapping[str, str]) -> list[str]:
    """Every problem found, one sentence each; empty when the instance is ready to run."""
    data_dir = Path(environ.get("FEDAID_DATA_DIR", "./fedaid-data"))
    problems = secret_key_problems(data_dir, environ)
    try:
        settings = Settings.from_env(environ)
    except ConfigError as err:
        if not str(err).startswith(str(data_dir / CONFIG_FILE_NAME)):  # already said by the secret key's check
            problems.append(str(err))
        return problems
    problems += base_url_problems(settings)
    problems += await database_problems(settings)
    if settings.smtp_url:
        problems += await smtp_problems(settings.smtp_url)
    return problems


def secret_key_problems(data_dir: Path, environ: Mapping[str, str]) -> list[str]:
    """The secret key that signs session cookies: FEDAID_SECRET_KEY, else `secret_key` in fedaid.toml."""
    if environ.get("FEDAID_SECRET_KEY"):
        return []
    path = data_dir / CONFIG_FILE_NAME
    if not path.exists():
        return [
            f"{path} is missing: it holds the secret key that signs sessions. Restore it from a backup, "
            "or let `fedaid serve` write a new one (every member is then signed out)."
        ]
    try:
        stored = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        return [f"{path} cannot be read ({err}): the secret key that signs sessions is in it."]
    if not str(stored.get("secret_key", "")):
        return [f"{path} has no secret_key: add one (or set FEDAID_SECRET_KEY), e.g. from a backup."]
    return []


def base_url_problems(settings: Settings) -> list[str]:
    """A base URL other servers cannot reach, or one they would not deliver to."""
    host = urlsplit(settings.base_url).hostname or ""
    demo = settings.allow_http or settings.allow_private_addresses
    if not demo and (host == "localhost" or host.endswith(".localhost") or _is_private(host)):
        return [
            f"FEDAID_BASE_URL is {settings.base_url}: no other server can reach {host}. "
            "Set it to the public https address of this instance."
        ]
    if not demo and settings.base_url.startswith("http://"):
        return [f"FEDAID_BASE_URL is {settings.base_url}: other servers deliver only to https. Use https://{host}."]
    return []


def _is_private(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


async def database_problems(settings: Settings) -> list[str]:
    """The database: reachable, every migration applied, the instance's actors there with usable keys."""
    missing = sqlite_file(settings.database_url)
    if missing is not None and not missing.exists():  # connecting would create an empty file
        return [
            f"The SQLite database {missing} does not exist: correct FEDAID_DATABASE_URL, or run `fedaid migrate` "
            "to start a new instance there."
        ]
    db = Database(settings.database_url)
    try:
        await db.connect()
    except ConfigError as err:
        return [f"{err}. Is the database server running, and FEDAID_DATABASE_URL right?"]
    try:
        pending = await db.pending_migrations()
        if pending:
            return [
                f"{len(pending)} migration(s) pending, from {pending[0]}: stop the workers and run `fedaid migrate`."
            ]
        with db.active():
            return await actor_problems(settings)
    finally:
        await db.close()


async def actor_problems(settings: Settings) -> list[str]:
    """The instance actor and the collective exist, are named under the base URL and have a private key."""
    instance = await Actor.filter(is_local=True, type=ActorType.APPLICATION).first()
    collective = await Actor.filter(is_local=True, type=ActorType.GROUP, username=settings.collective_slug).first()
    if instance is None or collective is None:
        missing = "the instance actor" if instance is None else f"the collective @{settings.collective_slug}"
        return [f"The database has no {missing.removeprefix('the ')}: `fedaid serve` creates it on its first run."]
    problems = []
    base = f"{urlsplit(instance.ap_id).scheme}://{urlsplit(instance.ap_id).netloc}"
    if base != settings.base_url:
        problems.append(
            f"FEDAID_BASE_URL is {settings.base_url} but this database's actors are named under {base}: "
            "other servers know them by that address. Set FEDAID_BASE_URL back to it."
        )
    for actor in (instance, collective):
        try:
            load_pem_private_key((actor.private_key_pem or "").encode(), password=None)
        except (ValueError, TypeError):
            problems.append(f"The private key of {actor.ap_id} is missing or damaged: it cannot sign deliveries.")
    keyless = await Actor.filter(is_local=True, private_key_pem__isnull=True, deleted_at__isnull=True).count()
    if keyless:
        problems.append(f"{keyless} local actor(s) have no private key: their deliveries cannot be signed.")
    return problems


async def smtp_problems(smtp_url: str) -> list[str]:
    """Connect to the SMTP server (TLS or STARTTLS as the URL says) and sign in if it has credentials."""
    server = parse_smtp_url(smtp_url)
    where = f"{server.hostname}:{server.port}"
    client = aiosmtplib.SMTP(
        hostname=server.hostname,
        port=server.port,
        use_tls=server.use_tls,
        start_tls=server.start_tls,
        timeout=SMTP_CHECK_TIMEOUT,
    )
    try:
        await client.connect()
        if server.username and server.password:
            await client.login(server.username, server.password)
        await client.quit()
    except (aiosmtplib.SMTPException, OSError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        return [f"The SMTP server {where} of FEDAID_SMTP_URL cannot be used: {reason}. Mail to members would wait."]
    return []
