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
import shutil
import ssl
import subprocess
from urllib.parse import urlsplit

import aiohttp
import pytest
from pictures import photo

from ops.deployment import (
    DEPLOY,
    FEDAID,
    HOST,
    UNITS,
    environment_file,
    exec_start,
    nginx_conf,
    site_for_test,
    unit_with_this_install,
)
from ops.processes import Process, free_port, run_fedaid, wait_http
from testsupport import REPO_ROOT


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


async def media_through_nginx(session: aiohttp.ClientSession, base: str, headers: dict[str, str]) -> None:
    """ana uploads a picture through nginx and posts it publicly, then one only for herself: nginx sends the
    public file from the data folder (fedaid's X-Accel-Redirect) with long caching, and not the direct one."""
    async with session.post(
        f"{base}/api/v1/apps", headers=headers,
        json={"client_name": "deploy test", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write"},
    ) as answer:  # fmt: skip
        app = await answer.json()
    grant = {"grant_type": "password", "username": "ana@example.org", "password": "a long passphrase",
             "client_id": app["client_id"], "client_secret": app["client_secret"], "scope": "read write"}  # fmt: skip
    async with session.post(f"{base}/oauth/token", headers=headers, data=grant) as answer:
        assert answer.status == 200, await answer.text()
        bearer = {**headers, "Authorization": f"Bearer {(await answer.json())['access_token']}"}
    urls = []
    for width, visibility in ((800, "public"), (640, "direct")):  # two pictures: files are named by content
        form = aiohttp.FormData()
        form.add_field("file", photo(width, 600), filename="drill.jpg", content_type="image/jpeg")
        async with session.post(f"{base}/api/v1/media", headers=bearer, data=form) as answer:
            assert answer.status == 200, await answer.text()
            media = await answer.json()
        status = {"status": f"A {visibility} drill", "visibility": visibility, "media_ids": [media["id"]]}
        async with session.post(f"{base}/api/v1/statuses", headers=bearer, json=status) as answer:
            assert answer.status == 200, await answer.text()
        urls.append(urlsplit(media["url"]).path)
    public, direct = urls
    async with session.get(f"{base}{public}", headers=headers) as answer:
        assert answer.status == 200 and answer.headers["Content-Type"] == "image/jpeg"
        assert "public" in answer.headers["Cache-Control"] and "immutable" in answer.headers["Cache-Control"]
        assert "X-Accel-Redirect" not in answer.headers and (await answer.read())[:2] == b"\xff\xd8"
    async with session.get(f"{base}{direct}", headers=headers) as answer:
        assert answer.status == 404


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
        await media_through_nginx(session, base, headers)
    # Either web process answers /metrics on loopback with both processes' counts (multi-process mode)
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{web_ports[0]}/metrics") as answer:
        text = await answer.text()
    counts = re.findall(
        r'fedaid_http_request_duration_seconds_count\{method="GET",route="/healthz",status="200"\} (\S+)', text
    )
    assert counts and float(counts[0]) >= 6 + 2, text[-2000:]
