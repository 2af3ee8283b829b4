"""What the search index holds and asks for, pure and dialect-free: folded words (lowercase, no accents) and
*facet* tokens for every filter (visibility, purpose, category, status, remote, tag, collective, map cells),
with the distances and map cells that places need. `search.py` keeps the index and reads it."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable

from fedaid.models import Post, Proposal

MAX_TERMS = 8
EARTH_RADIUS_KM = 6371.0088
# Map cells as facets: (name, cells per degree, largest radius in km a search serves with them).
GRID = (("a", 10, 15.0), ("c", 4, 40.0), ("b", 1, 150.0))
_WORD = re.compile(r"[^\W_]+")
FACET = "fx"  # facet tokens are ASCII letters and digits after this prefix, in a column text cannot reach


class _Unaccented(dict[int, str]):
    """`str.translate` table, filled as characters come: each one decomposed (NFKD), its combining marks
    dropped, case-folded. Per character, this is what the same steps give on a whole text."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        folded = self[code] = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
        return folded


_UNACCENTED = _Unaccented()


def fold(text: str) -> str:
    """Lowercase without accents, words only: `Réparation` and `reparation` index and match alike."""
    return " ".join(_WORD.findall(text.translate(_UNACCENTED)))


def search_terms(text: str) -> list[str]:
    """The words of a query, folded, at most MAX_TERMS, one-letter words dropped."""
    words = [word for word in fold(text).split() if len(word) > 1]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(latitude: float, longitude: float, km: float) -> tuple[float, float, float, float] | None:
    """(min lat, max lat, min lon, max lon) around a point; None when it wraps a pole or ±180°."""
    dlat = math.degrees(km / EARTH_RADIUS_KM)
    cos_lat = math.cos(math.radians(latitude))
    if cos_lat < 1e-6 or abs(latitude) + dlat >= 90:
        return None
    dlon = math.degrees(km / (EARTH_RADIUS_KM * cos_lat))
    if longitude - dlon < -180 or longitude + dlon > 180:
        return None
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def cell_facet(name: str, per_degree: int, latitude: float, longitude: float) -> str:
    return f"{FACET}g{name}n{math.floor((latitude + 90) * per_degree)}e{math.floor((longitude + 180) * per_degree)}"


def cells_around(latitude: float, longitude: float, km: float) -> list[str] | None:
    """The map-cell facets covering a circle, at the finest grid serving that radius; None past the coarsest."""
    box = bounding_box(latitude, longitude, km)
    level = next(((name, per_degree) for name, per_degree, largest in GRID if km <= largest), None)
    if box is None or level is None:
        return None
    name, per_degree = level
    rows = range(math.floor((box[0] + 90) * per_degree), math.floor((box[1] + 90) * per_degree) + 1)
    columns = range(math.floor((box[2] + 180) * per_degree), math.floor((box[3] + 180) * per_degree) + 1)
    return [f"{FACET}g{name}n{row}e{column}" for row in rows for column in columns]


def hashed_facet(kind: str, value: str) -> str:
    """A facet for free text (tags, domains): letters and digits only, whatever the value holds."""
    return f"{FACET}{kind}{hashlib.blake2s(fold(value).encode(), digest_size=6).hexdigest()}"


def choice_facet(kind: str, value: object) -> str:
    return f"{FACET}{kind}{getattr(value, 'value', value)}"


def facets_of(post: Post, *, proposal: Proposal | None, tags: Iterable[str], domain: str) -> list[str]:
    """Every facet a post answers to, so that each filter is one more token to intersect."""
    tokens = [
        choice_facet("vis", post.visibility),
        hashed_facet("dom", domain),
        *(hashed_facet("tag", tag) for tag in tags),
    ]
    if proposal is not None:
        tokens += [
            f"{FACET}proposal",
            choice_facet("purpose", proposal.purpose),
            choice_facet("status", proposal.status),
            f"{FACET}remote{int(bool(proposal.remote_ok))}",
        ]
        if proposal.category:
            tokens.append(choice_facet("cat", proposal.category))
        if proposal.latitude is not None and proposal.longitude is not None:
            tokens += [
                cell_facet(name, per_degree, proposal.latitude, proposal.longitude) for name, per_degree, _ in GRID
            ]
    return list(dict.fromkeys(tokens))
