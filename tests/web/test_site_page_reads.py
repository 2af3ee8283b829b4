"""What the site's pages read, crawled as a member from every seed but the admin's: each statement finds its
rows through an index, never by reading a whole table that grows with the instance's life
(tests/query_plans.py reads the plans; tests/api/test_api_page_reads.py does the same for the client API)."""

from __future__ import annotations

import pytest
from query_plans import traced, whole_table_reads

from tests.web.crawl import crawl
from tests.web.helpers import Visitor
from tests.web.site_data import populate, seeds

# The hours ledger sums every confirmed exchange of the collective: it reads them all by design.
LEDGER = frozenset({"exchange"})


async def test_the_pages_a_member_reads_read_no_growing_table_whole(make_instance, backend) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL plans by its statistics; this watches SQLite's plans, which have none")
    # Given a populated instance, and bea signed in
    instance = await make_instance("drivers")
    with instance.db.active():
        data = await populate(instance.base_url)
    visitor = Visitor(instance.base_url, language="fr")
    try:
        await visitor.sign_in("bea")
        member_seeds = [seed for seed in seeds(data) if not seed.startswith("/admin")]

        async def read_site() -> None:
            pages = await crawl(visitor, member_seeds, limit=120)
            assert len(pages) > 20 and all(page.status < 500 for page in pages.values())

        # When she follows every link of the site
        with instance.db.active():
            statements = await traced(read_site)
            # Then every statement finds its rows through an index
            assert await whole_table_reads(statements, allowed=LEDGER) == {}
    finally:
        await visitor.close()
