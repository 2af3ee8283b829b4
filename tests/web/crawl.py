"""Follow every link of the pages, as one visitor, and report what each answered."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.web.helpers import Page, Visitor

HREF = re.compile(r'href="([^"#]*)')
SKIP = ("/static/",)


async def crawl(visitor: Visitor, seeds: list[str], *, limit: int = 200) -> dict[str, Page]:
    """GET `seeds` and every same-site link they lead to (at most `limit` pages)."""
    seen: dict[str, Page] = {}
    queue = list(dict.fromkeys(seeds))
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        page = await visitor.get(path, allow_redirects=True)
        seen[path] = page
        if "html" not in page.headers.get("Content-Type", ""):
            continue
        for href in HREF.findall(page.text):
            href = unescape(href)
            absolute = urljoin(visitor.base_url + path, href)
            if not absolute.startswith(visitor.base_url):
                continue
            parts = urlsplit(absolute)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local and not local.startswith(SKIP) and local not in seen and local not in queue:
                queue.append(local)
    return seen


def visible_text(html: str) -> str:
    """The text a person reads: no tags, scripts or styles, entities decoded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return unescape(re.sub(r"<[^>]+>", " ", html))


ATTRIBUTES = re.compile(r'\b(?:aria-label|placeholder|title|alt)="([^"]*)"')


def readable_text(html: str) -> str:
    """`visible_text` plus the attribute texts a screen reader says."""
    return visible_text(html) + "\n" + "\n".join(unescape(value) for value in ATTRIBUTES.findall(html))


class _ActiveContent(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                ("javascript:", "data:text")
            ):
                self.found.append(f"<{tag} {name}={value}>")


def active_content(html: str) -> list[str]:
    """Scripts, event handlers and javascript: URLs in a page (the pages have none of their own)."""
    parser = _ActiveContent()
    parser.feed(html)
    return parser.found
