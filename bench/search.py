"""Search latency: 100,000 proposals, then text + filter queries through `fedaid.domain.search.search`.

    .venv/bin/python bench/search.py [--proposals 100000] [--queries 400] [--backend sqlite|postgres|both]

Seeds each database in bulk (posts, proposals, tags and the full-text index, in large transactions),
then times every query end to end as the pages run it: the SQL and loading the 20 hits as rows.
SQLite is a file in a temporary folder; PostgreSQL a scratch database next to
FEDAID_TEST_POSTGRES_URL, dropped afterwards. Prints p50/p95 per kind of query and overall; the
target is a p95 under 50 ms on both. Figures only, never pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tortoise.transactions import in_transaction

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scratch import scratch_database  # noqa: E402

from fedaid.db import Database  # noqa: E402
from fedaid.domain.categories import DEFAULT_CATEGORIES, ensure_default_categories  # noqa: E402
from fedaid.domain.search import SearchFilters, index_entry, index_posts, search  # noqa: E402
from fedaid.models import (  # noqa: E402
    Actor,
    ActorType,
    Post,
    PostTag,
    Proposal,
    ProposalPurpose,
    ProposalStatus,
    Visibility,
)

BATCH = 2000
START = datetime(2025, 1, 1, tzinfo=UTC)
DOMAINS = ("aid.example", "drivers.example", "cowork.example", "makers.example", "soins.example")
CITIES = {
    "Lyon": (45.764, 4.8357),
    "Villeurbanne": (45.7719, 4.8902),
    "Grenoble": (45.1885, 5.7245),
    "Saint-Étienne": (45.4397, 4.3872),
    "Paris": (48.8566, 2.3522),
    "Marseille": (43.2965, 5.3698),
    "Nantes": (47.2184, -1.5536),
    "Lille": (50.6292, 3.0573),
    "Toulouse": (43.6047, 1.4442),
    "Bordeaux": (44.8378, -0.5792),
}
# Words people write in offers and requests, most common first (drawn with a Zipf-like weight).
COMMON = (
    "aide besoin coup main pour avec une des les semaine samedi soir matin atelier projet site client "
    "facture devis camion vélo ordinateur logo affiche flyer réseau réunion statuts association "
    "coopérative compta bilan déclaration tva urssaf contrat juridique conseil relecture traduction "
    "anglais espagnol allemand garde enfants école déménagement livraison transport outils perceuse "
    "scie couture réparation plomberie électricité peinture jardin cuisine photo vidéo montage "
    "formation tableur wordpress graphisme stratégie marketing étude marché clientèle communication "
    "prospection négociation banque prêt local bureau coworking imprimante matériel stand marché"
).split()
SYLLABLES = (
    "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo la le li lo lu ma me mi mo mu na ne ni no "
    "nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu".split()
)


def vocabulary(rng: random.Random, size: int = 6000) -> tuple[list[str], list[float]]:
    """COMMON words then invented ones, with weights falling like 1/rank (Zipf)."""
    words = list(COMMON)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in words:
            words.append(word)
    return words, [1.0 / (rank + 1) for rank in range(len(words))]


def sentence(rng: random.Random, words: list[str], weights: list[float], count: int) -> str:
    return " ".join(rng.choices(words, weights=weights, k=count))


# ---------------------------------------------------------------- seeding


async def seed(count: int, rng: random.Random) -> None:
    await ensure_default_categories()
    categories = [slug for entries in DEFAULT_CATEGORIES.values() for slug, _, _ in entries]
    for domain in DOMAINS:
        local = domain == DOMAINS[0]
        await Actor.bulk_create(
            [
                Actor(
                    ap_id=f"https://{domain}/u/m{n}",
                    type=ActorType.PERSON,
                    username=f"m{n}",
                    domain=domain,
                    is_local=local,
                    inbox=f"https://{domain}/u/m{n}/inbox",
                    followers_url=f"https://{domain}/u/m{n}/followers",
                )
                for n in range(200)
            ]
        )
    actors = await Actor.all()
    domains = {actor.id: actor.domain for actor in actors}
    words, weights = vocabulary(rng)
    cities = list(CITIES.items())
    next_id = 1
    for start in range(0, count, BATCH):
        posts, proposals, tags, documents = [], [], [], []
        for _ in range(min(BATCH, count - start)):
            author = rng.choice(actors)
            published = START + timedelta(minutes=next_id * 5)
            category = rng.choice(categories)
            title = sentence(rng, words, weights, rng.randint(3, 7)).capitalize()
            text = sentence(rng, words, weights, rng.randint(15, 60))
            own_tags = list(dict.fromkeys(rng.choices(words[:120], k=rng.randint(0, 3))))
            city, (lat, lon) = rng.choice(cities)
            placed = rng.random() < 0.7
            purpose = ProposalPurpose.OFFER if rng.random() < 0.5 else ProposalPurpose.REQUEST
            status = rng.choices(list(ProposalStatus), weights=(60, 10, 15, 5, 10))[0]
            post = Post(
                id=next_id,
                ap_id=f"{author.ap_id}/posts/{next_id}",
                author_id=author.id,
                is_local=author.is_local,
                content=f"<p>{text}</p>",
                published_at=published,
                visibility=Visibility.PUBLIC if rng.random() < 0.85 else Visibility.FOLLOWERS,
                language="fr",
            )
            posts.append(post)
            hours = Decimal(rng.choice(("1", "1.5", "2", "3", "4", "8")))
            proposal = Proposal(
                post_id=next_id,
                purpose=purpose,
                title=title[:200],
                category=category,
                tags=own_tags,
                hours=hours,
                available_hours=hours,
                place_name=city if placed else "",
                latitude=lat + rng.uniform(-0.15, 0.15) if placed else None,
                longitude=lon + rng.uniform(-0.2, 0.2) if placed else None,
                remote_ok=rng.random() < 0.4,
                status=status,
            )
            proposals.append(proposal)
            tag_names = ["offre" if purpose == ProposalPurpose.OFFER else "demande", category, *own_tags]
            tags += [PostTag(post_id=next_id, name=name) for name in dict.fromkeys(tag_names)]
            documents.append(index_entry(post, proposal=proposal, tags=tag_names, domain=domains[author.id]))
            next_id += 1
        async with in_transaction():
            await Post.bulk_create(posts)
            await Proposal.bulk_create(proposals)
            await PostTag.bulk_create(tags)
            await index_posts(documents)
    db = Post._meta.db
    await db.execute_script("ANALYZE")


# ---------------------------------------------------------------- queries


def query_mix(rng: random.Random, count: int) -> list[tuple[str, str, SearchFilters]]:
    """(kind, text, filters): text alone, text with filters, filters alone, as the home and search pages ask."""
    common, rare = COMMON[:40], COMMON[40:]
    kinds = []
    for _ in range(count):
        near = rng.choice(list(CITIES.values()))
        category = rng.choice([slug for entries in DEFAULT_CATEGORIES.values() for slug, _, _ in entries])
        choice = rng.randrange(8)
        if choice == 0:
            kinds.append(("text: one common word", rng.choice(common), SearchFilters()))
        elif choice == 1:
            kinds.append(("text: two words", f"{rng.choice(common)} {rng.choice(rare)}", SearchFilters()))
        elif choice == 2:
            kinds.append(("text: prefix", rng.choice(rare)[:4], SearchFilters()))
        elif choice == 3:
            kinds.append(
                (
                    "text + purpose + category + open",
                    rng.choice(common + rare),
                    SearchFilters(
                        purpose=rng.choice(list(ProposalPurpose)), category=category, status=ProposalStatus.OPEN
                    ),
                )
            )
        elif choice == 4:
            kinds.append(("text + near 20 km", rng.choice(common), SearchFilters(near=near, within_km=20)))
        elif choice == 5:
            kinds.append(
                ("text + tag + remote", rng.choice(rare), SearchFilters(tag=rng.choice(common[:30]), remote_ok=True))
            )
        elif choice == 6:
            kinds.append(
                (
                    "filters: category + open + collective",
                    "",
                    SearchFilters(category=category, status=ProposalStatus.OPEN, domain=rng.choice(DOMAINS)),
                )
            )
        else:
            kinds.append(
                (
                    "filters: near 10 km + purpose",
                    "",
                    SearchFilters(near=near, within_km=10, purpose=rng.choice(list(ProposalPurpose))),
                )
            )
    return kinds


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


Timings = dict[str, list[tuple[float, float]]]  # kind -> (wall ms, this process's CPU ms) per query


async def measure(queries: list[tuple[str, str, SearchFilters]]) -> Timings:
    for _, text, filters in queries[:20]:  # warm the caches as a running server's would be
        await search(text, filters)
    timings: Timings = {}
    for kind, text, filters in queries:
        started, cpu = time.perf_counter(), time.process_time()
        await search(text, filters, limit=20)
        timings.setdefault(kind, []).append(
            ((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000)
        )
    return timings


def report(backend: str, timings: Timings, seeded_in: float, count: int) -> None:
    """Wall-clock percentiles, and this process's CPU time: all of SQLite's work, the client's side of PostgreSQL's.

    Other load on the machine stretches the wall clock; the load averages say how much there was.
    """
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{backend}: {count:,} proposals seeded in {seeded_in:.0f} s; load average {load} on {os.cpu_count()} CPUs")
    print(f"  {'query':40} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p50':>8} {'cpu p95':>8}")
    rows = sorted(timings.items()) + [("all", [value for values in timings.values() for value in values])]
    for kind, values in rows:
        wall, cpu = [value[0] for value in values], [value[1] for value in values]
        print(
            f"  {kind:40} {len(values):>4} {percentile(wall, 0.5):>8.1f} {percentile(wall, 0.95):>8.1f}"
            f" {max(wall):>8.1f} {percentile(cpu, 0.5):>8.1f} {percentile(cpu, 0.95):>8.1f}"
        )


# ---------------------------------------------------------------- main


async def run(backend: str, count: int, query_count: int) -> None:
    rng = random.Random(837)
    folder = tempfile.TemporaryDirectory()
    async with scratch_database(backend == "postgres", folder.name, "fedaid_bench_search") as (url, _):
        database = Database(url)
        await database.connect()
        try:
            await database.migrate()
            with database.active():
                started = time.perf_counter()
                await seed(count, rng)
                seeded_in = time.perf_counter() - started
                timings = await measure(query_mix(rng, query_count))
            report(backend, timings, seeded_in, count)
        finally:
            await database.close()
            folder.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    options = parser.parse_args()
    for backend in ("sqlite", "postgres") if options.backend == "both" else (options.backend,):
        asyncio.run(run(backend, options.proposals, options.queries))


if __name__ == "__main__":
    main()
