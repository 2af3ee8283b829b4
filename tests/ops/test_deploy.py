"""deploy/ followed as literally as a test can: the systemd units pass `systemd-analyze verify`, and the nginx
site passes `nginx -t` and runs in front of two web processes started with the web unit's own ExecStart line
and the example environment file. Only what a test must change is changed: ports, the certificate (made
here, self-signed), and the install paths (/srv/fedaid, /var/lib/fedaid, /var/log) to this checkout and
temporary folders.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ops.processes import Process, free_port, run_fedaid, wait_http
from testsupport import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
UNITS = ("fedaid-web@.service", "fedaid-worker@.service")
HOST = "aid.example.org"
FEDAID = Path(sys.executable).with_name("fedaid")  # the console script of this checkout's environment


def unit_with_this_install(name: str) -> str:
    return (DEPLOY / name).read_text().replace("/srv/fedaid/.venv/bin/fedaid", str(FEDAID))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify_without_a_warning(tmp_path):
    for name in UNITS:
        (tmp_path / name).write_text(unit_with_this_install(name))
    result = subprocess.run(
        ["systemd-analyze", "verify", "./fedaid-web@8081.service", "./fedaid-worker@1.service"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "fedaid" in line]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr


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


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    chain, private = folder / "fullchain.pem", folder / "privkey.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return chain, private


def site_for_test(folder: Path, tls_port: int, http_port: int, web_ports: list[int], data: Path) -> str:
    chain, private = self_signed(folder)
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


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (.ci/run installs it)")
async def test_nginx_site_in_front_of_two_web_processes(tmp_path):
    nginx_dir, data = tmp_path / "nginx", tmp_path / "data"
    nginx_dir.mkdir()
    (tmp_path / "metrics").mkdir()
    tls_port, http_port, web_ports = free_port(), free_port(), [free_port(), free_port()]
    conf = nginx_conf(nginx_dir, site_for_test(nginx_dir, tls_port, http_port, web_ports, data))
    checked = subprocess.run(["nginx", "-t", "-c", str(conf)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr

    env = {
        **os.environ,
        **environment_file(DEPLOY / "fedaid.env.example"),
        "PYTHONPATH": str(REPO_ROOT),
        "FEDAID_DATA_DIR": str(data),
        "FEDAID_DATABASE_URL": f"sqlite://{data / 'fedaid.sqlite3'}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    web_unit = unit_with_this_install("fedaid-web@.service")
    webs = [Process(f"web {port}", (), env, tmp_path / f"web{port}.log") for port in web_ports]
    nginx = None
    try:
        for web, port in zip(webs, web_ports, strict=True):
            command = exec_start(web_unit, str(port))
            assert command[0] == str(FEDAID) and command[1:3] == ["serve", "--no-worker"]
            web.args = tuple(command[1:])
            web.start()
        for web, port in zip(webs, web_ports, strict=True):
            await wait_http(f"http://127.0.0.1:{port}/healthz", process=web)
        nginx = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE)
        added = await asyncio.to_thread(
            run_fedaid, "member", "add", "ana", "--email", "ana@example.org", "--password-stdin",
            env=env, stdin="a long passphrase\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        await through_nginx(tls_port, http_port, web_ports, env)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        for web in webs:
            web.stop()


async def through_nginx(tls_port: int, http_port: int, web_ports: list[int], env: dict[str, str]) -> None:
    base = f"https://127.0.0.1:{tls_port}"
    headers = {"Host": HOST}
    no_verify = ssl.create_default_context()
    no_verify.check_hostname, no_verify.verify_mode = False, ssl.CERT_NONE
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=no_verify)) as session:
        # TLS, and the proxy headers: fedaid answers with nginx's request id and HSTS is added
        for _ in range(6):
            async with session.get(f"{base}/healthz", headers=headers) as answer:
                assert answer.status == 200 and await answer.text() == "ok\n"
                assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-Id"])
                assert "max-age=" in answer.headers["Strict-Transport-Security"]
        # Static files from nginx, with caching
        async with session.get(f"{base}/static/fedaid.css", headers=headers) as answer:
            assert answer.status == 200 and "max-age=86400" in answer.headers["Cache-Control"]
        # /metrics is not served to the world, and the internal media location is not reachable directly
        async with session.get(f"{base}/metrics", headers=headers) as answer:
            assert answer.status == 404
        async with session.get(f"{base}/_media/ab/abcdef.webp", headers=headers) as answer:
            assert answer.status == 404
        # Bodies above the inbox's cap stop at nginx
        async with session.post(f"{base}/inbox", data=b"x" * (2 << 20), headers=headers) as answer:
            assert answer.status == 413
        # Plain http is redirected to https
        async with session.get(f"http://127.0.0.1:{http_port}/u/ana", headers=headers, allow_redirects=False) as answer:
            assert answer.status == 301 and answer.headers["Location"] == f"https://{HOST}/u/ana"
        # WebSocket streaming through nginx: a post published meanwhile arrives on the public stream
        async with session.ws_connect(f"{base}/api/v1/streaming?stream=public", headers=headers) as ws:
            published = await asyncio.to_thread(
                run_fedaid, "proposal", "add", "offer", "Je prête ma perceuse", "--as", "ana", env=env
            )
            assert published.returncode == 0, published.stderr
            message = await ws.receive_json(timeout=60)
            assert message["event"] == "update" and "perceuse" in message["payload"]
    # Either web process answers /metrics on loopback with both processes' counts (multi-process mode)
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{web_ports[0]}/metrics") as answer:
        text = await answer.text()
    counts = re.findall(
        r'fedaid_http_request_duration_seconds_count\{method="GET",route="/healthz",status="200"\} (\S+)', text
    )
    assert counts and float(counts[0]) >= 6 + 2, text[-2000:]
