"""Row ids read from a request's path: one parser for pages and APIs, so an id no row can have is a 404.

PostgreSQL refuses a number beyond its column's range (int4 for actors, accounts, sessions; int8 for posts,
agreements) with an error, where SQLite just finds nothing; reading the id against the column's range first
answers both the same way, without asking the database.
"""

from __future__ import annotations

from aiohttp import web
from tortoise.models import Model

from fedaid.errors import NotFound
from fedaid.models.ids import row_id


def path_id(request: web.Request, model: type[Model], name: str = "id") -> int:
    """The id named `name` in the path, as one a row of `model` could have; NotFound otherwise."""
    number = row_id(request.match_info.get(name, ""), model)
    if number is None:
        raise NotFound("There is no such page.")
    return number
