"""Media: upload latency through the client API, and thumbnailing throughput against Pillow's own rate.

    .venv/bin/python bench/media.py [--uploads 60] [--concurrency 4] [--width 4000] [--height 3000] [--images 40]

Prints figures, never pass/fail. In one run:

  uploads   a live instance on 127.0.0.1 (SQLite in a temporary folder) takes `--uploads` JPEG photos of
            width × height through POST /api/v1/media (checked, decoded, re-encoded, shrunk, small version and
            blurhash before the answer) and through POST /api/v2/media (checked and kept, 202, processed in
            the background); p50/p95 of each.
  process   fedaid's `process_image` on `--images` photos in 2 threads: pictures per second.
  ceiling   Pillow alone on the same photos in 2 threads: decode, resize to 1920 px, encode JPEG; the least
            any processing must do. The ratio process/ceiling is what fedaid's extra work costs (EXIF turn,
            metadata-free copy, the small version, blurhash).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import socket
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from PIL import Image  # noqa: E402

from fedaid.app import create_app  # noqa: E402
from fedaid.config import Settings  # noqa: E402
from fedaid.db import Database  # noqa: E402
from fedaid.domain import oauth  # noqa: E402
from fedaid.domain.members import add_member  # noqa: E402
from fedaid.imaging import DISPLAY_SIZE, process_image  # noqa: E402

THREADS = 2


def make_photo(width: int, height: int, seed: int) -> bytes:
    """A photo-like JPEG: a gradient with noise, so neither decoding nor encoding is trivial."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40 + seed % 20)
    image = Image.merge("RGB", (gradient, noise, Image.eval(gradient, lambda v: 255 - v)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def pillow_ceiling(data: bytes) -> int:
    """Decode, resize to DISPLAY_SIZE, encode: Pillow's raw work for one picture."""
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((DISPLAY_SIZE, DISPLAY_SIZE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
    return len(out.getvalue())


def rate(function, photos: list[bytes]) -> float:
    """Pictures per second through `function` in THREADS threads."""
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(function, photos[:THREADS]))  # warm-up: Pillow's plugins, the blurhash library
        started = time.perf_counter()
        list(pool.map(function, photos))
        return len(photos) / (time.perf_counter() - started)


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


async def upload_latencies(base_url: str, token: str, path: str, photos: list[bytes], concurrency: int) -> list[float]:
    semaphore = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {token}"}

    async def one(session: aiohttp.ClientSession, data: bytes) -> float:
        form = aiohttp.FormData()
        form.add_field("file", data, filename="photo.jpg", content_type="image/jpeg")
        form.add_field("description", "A photo")
        async with semaphore:
            started = time.perf_counter()
            async with session.post(f"{base_url}{path}", data=form, headers=headers) as answer:
                await answer.read()
                if answer.status not in (200, 202):
                    raise RuntimeError(f"{path} answered {answer.status}")
            return time.perf_counter() - started

    async with aiohttp.ClientSession() as session:
        return list(await asyncio.gather(*(one(session, data) for data in photos)))


async def bench_uploads(args: argparse.Namespace, photos: list[bytes]) -> None:
    with tempfile.TemporaryDirectory(prefix="fedaid-bench-media-") as folder:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = Settings(data_dir=Path(folder), base_url=base_url, secret_key="bench-secret-0123456789abcdef")
        database = Database(settings.database_url)
        await database.connect()
        await database.migrate()
        runner = web.AppRunner(create_app(settings, database=database, run_worker=False), access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        try:
            with database.active():
                member = await add_member(base_url, "ana", email="ana@example.org", password="correct horse battery")
                app, secret = await oauth.register_app(
                    "bench", ["urn:ietf:wg:oauth:2.0:oob"], "read write", address="127.0.0.1"
                )
                request = await oauth.check_authorization_request(app.client_id, None, "read write", "code")
                code = await oauth.grant_code(request, member.account)
                token = (await oauth.exchange_code(app.client_id, secret, code, None)).access_token
            for path in ("/api/v1/media", "/api/v2/media"):
                latencies = await upload_latencies(base_url, token, path, photos, args.concurrency)
                print(f"upload {path:15} {len(photos)} × {args.width}×{args.height}: {percentiles(latencies)}")
        finally:
            await runner.cleanup()
            await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--images", type=int, default=40)
    args = parser.parse_args()
    photos = [make_photo(args.width, args.height, seed) for seed in range(8)]
    sample = [photos[i % len(photos)] for i in range(args.images)]
    print(f"photos: {args.width}×{args.height} JPEG, about {len(photos[0]) // 1024} KiB each; {THREADS} threads")
    ceiling = rate(pillow_ceiling, sample)
    processed = rate(process_image, sample)
    print(f"ceiling (Pillow decode, resize to {DISPLAY_SIZE} px, encode): {ceiling:6.2f} pictures/s")
    print(f"fedaid process_image (+ EXIF turn, clean copy, small, blurhash): {processed:6.2f} pictures/s")
    print(f"ratio fedaid / ceiling: {processed / ceiling:.2f}")
    asyncio.run(bench_uploads(args, [photos[i % len(photos)] for i in range(args.uploads)]))


if __name__ == "__main__":
    main()
