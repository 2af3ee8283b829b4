"""Settings, built once from `FEDAID_*` variables and `fedaid.toml`; nothing else reads the environment."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fedaid.errors import ConfigError

REGISTRATION_MODES = ("open", "approval", "invite")
FEDERATION_MODES = ("open", "allowlist")
LOG_FORMATS = ("json", "text")
SESSION_ADDRESS_MODES = ("masked", "full", "none")
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")
CONFIG_FILE_NAME = "fedaid.toml"


@dataclass(frozen=True)
class Settings:
    """Everything an instance is configured with. Tests construct it directly."""

    data_dir: Path = Path("./fedaid-data")
    base_url: str = "http://localhost:8080"
    database_url: str = ""
    secret_key: str = field(default="", repr=False)
    collective_name: str = "Collective"
    collective_slug: str = "collective"
    collective_summary: str = ""
    registration_mode: str = "invite"
    federation_mode: str = "open"
    authorized_fetch: bool = False
    # Plain posts from outside (Mastodon...) mentioning the collective with #offre/#demande become proposals.
    outside_proposals: bool = True
    allow_private_addresses: bool = False
    allow_http: bool = False
    worker_concurrency: int = 32
    per_host_concurrency: int = 4
    signing_threads: int = 2
    log_level: str = "INFO"
    log_format: str = "text"
    max_body_bytes: int = 1024 * 1024
    # Remote pictures and documents are fetched up to this size; larger ones stay links to their server.
    remote_media_max_bytes: int = 16 * 1024 * 1024
    # How many posts up a conversation a reply's missing parents are fetched (0: none).
    thread_fetch_depth: int = 10
    # With nginx in front: files are sent by nginx from this internal location after fedaid's check
    # (X-Accel-Redirect), e.g. "/_media/"; empty: fedaid sends them itself. See deploy/nginx-fedaid.conf.
    media_accel_redirect: str = ""
    # What a member's list of signed-in browsers shows of each one's address: "masked" keeps the network
    # (IPv4 /24, IPv6 /48), "full" the whole address, "none" nothing.
    session_addresses: str = "masked"
    # At most one Update(Question) per demand per this many seconds, however many supports arrive.
    demand_update_interval: int = 60
    # Comma-separated addresses or CIDRs of reverse proxies (nginx) whose X-Forwarded-For is believed.
    trusted_proxies: str = ""
    trusted_proxy_networks: tuple[IPv4Network | IPv6Network, ...] = field(init=False, repr=False, compare=False)
    # Mail to members: smtp://host:25 (plain), smtp+starttls://user:password@host:587, smtps://…:465 (TLS).
    # Empty: no mail is queued and the admin page says email is off.
    smtp_url: str = field(default="", repr=False)
    mail_from: str = ""  # the sender address; noreply@<domain> when empty
    contact_email: str = ""  # shown to clients as the instance's contact; the first admin's address when empty
    # /metrics from anywhere with `Authorization: Bearer <token>`; empty: from loopback only (fedaid/ops/health.py).
    metrics_token: str = field(default="", repr=False)
    # New members confirm their address through a mailed link before they can sign in (needs smtp_url).
    email_confirmation: bool = False

    @property
    def is_mail_enabled(self) -> bool:
        return bool(self.smtp_url)

    @property
    def needs_email_confirmation(self) -> bool:
        """Sign-ups confirm their address: asked for, and mail can be sent (without mail it would lock them out)."""
        return self.email_confirmation and self.is_mail_enabled

    @property
    def mail_sender(self) -> str:
        return self.mail_from or f"noreply@{urlsplit(self.base_url).hostname}"

    def __post_init__(self) -> None:
        base = urlsplit(self.base_url)
        if base.scheme not in ("http", "https") or not base.hostname:
            raise ConfigError(
                f"FEDAID_BASE_URL must be an http(s) URL, e.g. https://aid.example (got {self.base_url!r})"
            )
        if base.path not in ("", "/"):
            raise ConfigError("FEDAID_BASE_URL must not have a path: fedaid serves from the root of its domain")
        object.__setattr__(self, "base_url", f"{base.scheme}://{base.netloc}")
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite://{Path(self.data_dir) / 'fedaid.sqlite3'}")
        _require_choice("FEDAID_REGISTRATION_MODE", self.registration_mode, REGISTRATION_MODES)
        _require_choice("FEDAID_FEDERATION_MODE", self.federation_mode, FEDERATION_MODES)
        _require_choice("FEDAID_LOG_FORMAT", self.log_format, LOG_FORMATS)
        _require_choice("FEDAID_SESSION_ADDRESSES", self.session_addresses, SESSION_ADDRESS_MODES)
        object.__setattr__(self, "trusted_proxy_networks", _parse_networks(self.trusted_proxies))
        if self.smtp_url and urlsplit(self.smtp_url).scheme not in SMTP_SCHEMES:
            raise ConfigError(
                "FEDAID_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, "
                "e.g. smtp+starttls://user:password@mail.example:587"
            )

    @property
    def media_dir(self) -> Path:
        """Where media files are kept: `media/` in the data folder."""
        return Path(self.data_dir) / "media"

    @property
    def domain(self) -> str:
        """The host (and port, when not the default) that names this instance in `acct:` URIs."""
        return urlsplit(self.base_url).netloc

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read `fedaid.toml` in the data folder, then `FEDAID_*` variables, which win."""
        data_dir = Path(environ.get("FEDAID_DATA_DIR", "./fedaid-data"))
        values: dict[str, Any] = {"data_dir": data_dir}
        values.update(read_config_file(data_dir))
        for f in dataclasses.fields(cls):
            raw = environ.get(f"FEDAID_{f.name.upper()}")
            if raw is not None and f.name != "data_dir" and f.init:
                values[f.name] = _convert(f, raw)
        return cls(**values)


def read_config_file(data_dir: Path) -> dict[str, Any]:
    """The settings stored in `<data_dir>/fedaid.toml`, or {} when there is none."""
    path = data_dir / CONFIG_FILE_NAME
    if not path.exists():
        return {}
    try:
        stored = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path} cannot be read: {err}") from err
    known = {f.name for f in dataclasses.fields(Settings) if f.init}
    unknown = sorted(set(stored) - known)
    if unknown:
        raise ConfigError(f"{path} has unknown settings: {', '.join(unknown)}")
    return stored


def write_config_file(data_dir: Path, values: Mapping[str, Any]) -> Path:
    """Write `values` as `<data_dir>/fedaid.toml` (strings, booleans and numbers only)."""
    lines = ["# Written by the first run of fedaid. FEDAID_* variables override these values."]
    for key, value in values.items():
        lines.append(f"{key} = {_toml_value(value)}")
    path = data_dir / CONFIG_FILE_NAME
    # Written aside and renamed into place: a process starting meanwhile reads the old file or the new, whole.
    partial = path.with_name(f".{CONFIG_FILE_NAME}.{os.getpid()}")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.chmod(0o600)
    partial.replace(path)
    return path


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _convert(f: dataclasses.Field, raw: str) -> Any:
    name = f"FEDAID_{f.name.upper()}"
    if f.type in ("bool", bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name} must be true or false (got {raw!r})")
    if f.type in ("int", int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number (got {raw!r})") from None
    if f.type in ("Path", Path):
        return Path(raw)
    return raw


def _require_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)} (got {value!r})")


def _parse_networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """`10.0.0.1, 192.168.0.0/16, ::1` as networks (a lone address is a network of one)."""
    networks = []
    for part in value.replace(" ", ",").split(","):
        if not part:
            continue
        try:
            networks.append(ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(
                f"FEDAID_TRUSTED_PROXIES must list addresses or CIDRs such as 127.0.0.1 or 10.0.0.0/8 (got {part!r})"
            ) from None
    return tuple(networks)
