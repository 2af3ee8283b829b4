"""Every benchmark in one run, and one table of their figures, each beside its ceiling from the same run.

    .venv/bin/python bench/run.py [--quick] [--postgres] [--write bench/RESULTS.md]

Runs bench/inbox.py, bench/delivery.py, bench/api.py, bench/search.py and bench/media.py as they are (each in its own
process, with the sizes below), then starts `fedaid serve` on a fresh SQLite data folder and reads its idle
resident memory beside a bare aiohttp server's. Reads each benchmark's own report lines, prints one table and,
with --write, a Markdown page holding the table, the date, the machine and every benchmark's full output.
The machine is shared: each figure is a ratio to a ceiling measured minutes apart at most, and the load
average is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable


@dataclass
class Figure:
    name: str
    value: str
    ceiling: str = "—"
    ratio: str = "—"
    target: str = ""


@dataclass
class Benchmark:
    name: str
    command: list[str]
    output: str = ""
    seconds: float = 0.0


def run_benchmark(name: str, script: str, *args: str) -> Benchmark:
    """Run one benchmark to completion (its stdout and stderr kept), printing its progress as it goes."""
    bench = Benchmark(name, [PYTHON, str(BENCH / script), *args])
    print(f"running {' '.join(bench.command[1:])} ...", file=sys.stderr, flush=True)
    began = time.perf_counter()
    done = subprocess.run(bench.command, capture_output=True, text=True, cwd=ROOT, check=False)
    bench.seconds = time.perf_counter() - began
    bench.output = done.stdout + done.stderr
    if done.returncode != 0:
        print(f"{name} failed (exit {done.returncode}):\n{bench.output[-2000:]}", file=sys.stderr)
    return bench


def number(pattern: str, text: str, group: int = 1) -> float | None:
    found = re.search(pattern, text, re.MULTILINE)
    return float(found[group].replace(",", "")) if found else None


def ratio(value: float | None, ceiling: float | None) -> str:
    return f"{value / ceiling:.2f}" if value is not None and ceiling else "—"


def fmt(value: float | None, unit: str, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f} {unit}"


# bench/inbox.py's worker line: the rate at which the queue drained, the workers' start-up left out.
DRAINED = r"the queue drained at (\d+) items/s"


def inbox_figures(bench: Benchmark, backend: str) -> list[Figure]:
    out = bench.output
    row = r"^{name}\s+\d+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)"
    ceiling = number(row.format(name=re.escape("ceiling (verify only)")), out)
    accepted = number(row.format(name="fedaid inbox"), out)
    ceiling_p99 = number(row.format(name=re.escape("ceiling (verify only)")), out, 3)
    p99 = number(row.format(name="fedaid inbox"), out, 3)
    applied = number(DRAINED, out)
    rss = number(r"peak RSS (\d+) MB", out)
    return [
        Figure(
            f"inbox accepted/s ({backend})", fmt(accepted, "/s"), fmt(ceiling, "/s"), ratio(accepted, ceiling), "≥ 0.5"
        ),
        Figure(f"inbox p99 ({backend})", fmt(p99, "ms", 1), fmt(ceiling_p99, "ms", 1), ratio(p99, ceiling_p99)),
        Figure(
            f"worker applied/s ({backend})",
            fmt(applied, "/s"),
            fmt(accepted, "/s accepted"),
            ratio(applied, accepted),
            "≥ 0.5",
        ),
        Figure(f"RSS under inbox load ({backend})", fmt(rss, "MB"), "300 MB", ratio(rss, 300), "≤ 1"),
    ]


def two_workers_figure(two: Benchmark, one: Benchmark) -> Figure:
    """Two worker processes draining the queue beside one (runs minutes apart), and how busy every core was."""
    both, single = number(DRAINED, two.output), number(DRAINED, one.output)
    busy = number(r"every core (\d+)% busy", two.output)
    return Figure(
        "worker applied/s, two processes (PostgreSQL)",
        fmt(both, "/s") + (f", cores {busy:.0f}% busy" if busy is not None else ""),
        fmt(single, "/s with one"),
        ratio(both, single),
        "≥ 1.6, or both cores > 90% busy",
    )


def delivery_figures(bench: Benchmark, backend: str) -> list[Figure]:
    out = bench.output
    rate = number(r"^delivery rate\s+([\d,]+) deliveries/s", out)
    signing = number(r"^raw RSA-2048 signing\s+([\d,]+) signatures/s", out)
    return [
        Figure(
            f"deliveries/s ({backend})", fmt(rate, "/s"), fmt(signing, "signatures/s"), ratio(rate, signing), "≥ 0.6"
        )
    ]


def api_figures(bench: Benchmark, backend: str) -> list[Figure]:
    figures = []
    for scenario, target in (("home timeline", 100), ("public timeline", 100), ("status creation", 250)):
        rounds = re.findall(rf"^\s+{scenario}\s+\d+ req\s+p50\s+[\d.]+ ms\s+p99\s+([\d.]+) ms", bench.output, re.M)
        p99 = max(map(float, rounds), default=None)  # the worst round: the target is a steady p99
        figures.append(
            Figure(f"{scenario} p99 ({backend})", fmt(p99, "ms", 1), f"{target} ms", ratio(p99, target), "≤ 1")
        )
    return figures


def search_figures(bench: Benchmark) -> list[Figure]:
    figures = []
    for section in re.split(r"\n(?=\w[^\n]*: [\d,]+ proposals seeded)", bench.output):
        header = re.match(r"(\w[^:\n]*): ([\d,]+) proposals seeded", section.strip())
        p95 = number(r"^\s+all\s+\d+\s+[\d.]+\s+([\d.]+)", section)
        if header and p95 is not None:
            figures.append(
                Figure(
                    f"search p95, {header[2]} proposals ({header[1]})",
                    fmt(p95, "ms", 1),
                    "50 ms",
                    ratio(p95, 50),
                    "≤ 1",
                )
            )
    return figures


def media_figures(bench: Benchmark) -> list[Figure]:
    """Picture processing beside Pillow's own decode, resize and encode, and the upload p95 of both APIs."""
    out = bench.output
    ceiling = number(r"^ceiling \(Pillow[^:]*:\s+([\d.]+) pictures/s", out)
    fedaid = number(r"^fedaid process_image[^:]*:\s+([\d.]+) pictures/s", out)
    figures = [
        Figure("picture processing/s", fmt(fedaid, "/s", 2), fmt(ceiling, "/s Pillow alone", 2), ratio(fedaid, ceiling))
    ]
    for version in ("v1", "v2"):
        p95 = number(rf"^upload /api/{version}/media .* p95\s+([\d.]+) ms", out)
        figures.append(Figure(f"upload p95 (/api/{version}/media)", fmt(p95, "ms", 1)))
    return figures


def idle_memory() -> tuple[list[Figure], str]:
    """`fedaid serve` on a fresh SQLite folder, idle, beside a bare aiohttp server: resident MB of each."""
    with tempfile.TemporaryDirectory(prefix="fedaid-bench-rss-") as folder:
        port = free_port()
        env = {**os.environ, "FEDAID_DATA_DIR": folder, "FEDAID_BASE_URL": f"http://127.0.0.1:{port}"}
        fedaid = subprocess.Popen(
            [PYTHON, "-m", "fedaid", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        bare = subprocess.Popen([PYTHON, "-c", BARE_SERVER, str(free_port())], stdout=subprocess.DEVNULL)
        try:
            wait_for_port(port, 120)
            time.sleep(5)  # idle: start-up work done, nothing asked
            fedaid_mb, bare_mb = rss_mb(fedaid.pid), rss_mb(bare.pid)
        finally:
            for process in (fedaid, bare):
                process.terminate()
                process.wait(timeout=30)
    figure = Figure(
        "idle RSS (SQLite, one process)",
        fmt(fedaid_mb, "MB"),
        fmt(bare_mb, "MB bare aiohttp"),
        ratio(fedaid_mb, bare_mb),
    )
    target = Figure("idle RSS against the 120 MB cap", fmt(fedaid_mb, "MB"), "120 MB", ratio(fedaid_mb, 120), "≤ 1")
    return [figure, target], f"fedaid serve idle: {fedaid_mb} MB; bare aiohttp: {bare_mb} MB"


BARE_SERVER = (
    "import sys\nfrom aiohttp import web\napp = web.Application()\n"
    "app.router.add_get('/', lambda r: web.Response(text='ok'))\n"
    "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"fedaid serve did not listen on port {port} within {seconds:.0f} s")


def rss_mb(pid: int) -> float | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def table(figures: list[Figure]) -> str:
    lines = ["| figure | measured | ceiling or target | ratio | aim |", "|---|---:|---:|---:|---|"]
    lines += [f"| {f.name} | {f.value} | {f.ceiling} | {f.ratio} | {f.target} |" for f in figures]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (minutes, not tens of minutes)")
    parser.add_argument(
        "--postgres", action="store_true", help="also run the inbox, delivery and API benchmarks on PostgreSQL"
    )
    parser.add_argument("--write", metavar="FILE", help="write the table and every output as Markdown")
    args = parser.parse_args()
    quick = args.quick
    load_before = os.getloadavg()
    figures: list[Figure] = []
    benches: list[Benchmark] = []
    backends = [("SQLite", [])] + ([("PostgreSQL", ["--postgres"])] if args.postgres else [])
    for backend, flag in backends:
        inbox = run_benchmark(
            f"inbox ({backend})",
            "inbox.py",
            *flag,
            "--rounds",
            "3" if quick else "5",
            "--requests",
            "2000" if quick else "4000",
        )
        delivery = run_benchmark(
            f"delivery ({backend})", "delivery.py", *flag, "--deliveries", "3000" if quick else "8000"
        )
        api_args = [
            "--proposals",
            "2000" if quick else "10000",
            "--requests",
            "1000" if quick else "4000",
            "--warm-up",
            "300" if quick else "1000",
            "--rounds",
            "2" if quick else "3",
        ]
        if backend == "PostgreSQL":
            api_args += ["--processes", "2", "--database", postgres_scratch_url()]
        api = run_benchmark(f"api ({backend})", "api.py", *api_args)
        figures += inbox_figures(inbox, backend) + delivery_figures(delivery, backend) + api_figures(api, backend)
        benches += [inbox, delivery, api]
        if backend == "PostgreSQL":
            two = run_benchmark("inbox, two workers (PostgreSQL)", "inbox.py", *flag, "--workers", "2", "--rounds", "5")
            figures.append(two_workers_figure(two, inbox))
            benches.append(two)
    search = run_benchmark(
        "search",
        "search.py",
        "--proposals",
        "20000" if quick else "100000",
        "--backend",
        "both" if args.postgres else "sqlite",
    )
    figures += search_figures(search)
    benches.append(search)
    sizes = ["--uploads", "20", "--images", "10"] if quick else []
    media = run_benchmark("media", "media.py", *sizes)
    figures += media_figures(media)
    benches.append(media)
    memory, memory_output = idle_memory()
    figures += memory
    benches.append(Benchmark("idle memory", ["fedaid serve"], memory_output))
    load_after = os.getloadavg()

    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"
    heading = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after{' (quick sizes)' if quick else ''}"
    )
    print(f"\n{heading}\n\n{table(figures)}")
    if args.write:
        outputs = "\n\n".join(section(bench) for bench in benches)
        Path(args.write).write_text(
            f"# Benchmark results\n\n{heading}.\n\nWritten by `bench/run.py`; each ratio is to a ceiling or target "
            f"from the same run.\n\n{table(figures)}\n\n## Outputs\n\n{outputs}\n"
        )


def section(bench: Benchmark) -> str:
    """One benchmark's command and full output, as a Markdown section."""
    command = " ".join("python" if part == PYTHON else part for part in bench.command)
    return f"### {bench.name} ({bench.seconds:.0f} s)\n\n`{command}`\n\n```\n{bench.output.strip()}\n```"


def postgres_scratch_url() -> str:
    """A new, empty PostgreSQL database next to FEDAID_TEST_POSTGRES_URL for the API benchmark to seed."""
    from scratch import POSTGRES_ADMIN_URL, admin_connection

    name = "fedaid_bench_api_run"

    async def recreate() -> None:
        async with admin_connection() as admin:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')

    asyncio.run(recreate())
    return f"{POSTGRES_ADMIN_URL.rpartition('/')[0]}/{name}"


if __name__ == "__main__":
    main()
