"""deploy/ as a test can follow it: its units' ExecStart lines and environment file, and the nginx site with
only ports, the certificate and install paths changed (used by test_deploy.py and test_scale_out.py)."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from certificates import self_signed
from testsupport import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
UNITS = ("fedaid-web@.service", "fedaid-worker@.service")
HOST = "aid.example.org"
FEDAID = Path(sys.executable).with_name("fedaid")  # the console script of this checkout's environment


def unit_with_this_install(name: str) -> str:
    return (DEPLOY / name).read_text().replace("/srv/fedaid/.venv/bin/fedaid", str(FEDAID))


def exec_start(unit: str, instance: str) -> list[str]:
    line = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart=").replace("%i", instance))


def environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments skipped, quotes removed)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"')
    return values


def site_for_test(folder: Path, tls_port: int, http_port: int, web_ports: list[int], data: Path) -> str:
    chain, private = self_signed(folder, HOST)
    site = (DEPLOY / "nginx-fedaid.conf").read_text()
    replacements = {
        f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(chain),
        f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(private),
        "listen 443 ssl http2;": f"listen 127.0.0.1:{tls_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "server 127.0.0.1:8081;": f"server 127.0.0.1:{web_ports[0]};",
        "server 127.0.0.1:8082;": f"server 127.0.0.1:{web_ports[1]};",
        "/var/lib/fedaid/media/": f"{data}/media/",
        "/srv/fedaid/fedaid/static/": f"{REPO_ROOT}/fedaid/static/",
        "/var/log/nginx/": f"{folder}/",
        "/var/www/html": str(folder),
    }
    for literal, replacement in replacements.items():
        assert literal in site, f"deploy/nginx-fedaid.conf no longer has {literal!r}"
        site = site.replace(literal, replacement)
    return site


def nginx_conf(folder: Path, site: str) -> Path:
    (folder / "site.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the test's private temporary folders
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nworker_processes 1;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n client_body_temp_path {folder}/body;\n"
        f" proxy_temp_path {folder}/proxy;\n fastcgi_temp_path {folder}/fastcgi;\n uwsgi_temp_path {folder}/uwsgi;\n"
        f" scgi_temp_path {folder}/scgi;\n include {folder}/site.conf;\n}}\n"
    )
    return conf
