"""Make remote HTML safe to show: Mastodon's allowlist for post HTML, and plain text for names and titles.

Pure functions over strings; the nh3 cleaners are built once, at import.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html import escape, unescape

import nh3

# Mastodon's sanitize_config (Sanitize::Config::MASTODON_STRICT, docs.joinmastodon.org/spec/activitypub/#sanitization).
LINK_SCHEMES = frozenset({"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"})
ALLOWED_TAGS = frozenset("p br span a del pre code em strong b i u ul ol li blockquote".split())
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": set(),  # without this, ammonia keeps `lang` and `title` everywhere
    "a": {"href", "class"},
    "span": {"class"},
    "ol": {"start", "reversed"},
    "li": {"value"},
}
ALLOWED_CLASSES = frozenset({"mention", "hashtag", "ellipsis", "invisible"})
LINK_REL = "nofollow noopener noreferrer"

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Removed together with everything inside them.
_DROPPED_WITH_CONTENT = set("script style template iframe object svg math noscript textarea title".split())
_MICROFORMAT_CLASS = re.compile(r"(?:h|p|u|dt|e)-")
_INTEGER = re.compile(r"-?[0-9]{1,9}")

# Pass 1 keeps the final allowlist plus headings and images, and re-serialises the fragment in
# html5ever's canonical form: every attribute value double-quoted with `"` escaped, every `<` in
# text escaped. On that form one linear regex finds tags exactly, so headings can become
# <strong> and images links before pass 2 applies the real allowlist. nh3 cannot rename tags.
_CANONICAL = nh3.Cleaner(
    tags=set(ALLOWED_TAGS | _HEADINGS | {"img"}),
    clean_content_tags=_DROPPED_WITH_CONTENT,
    attributes={**ALLOWED_ATTRIBUTES, "img": {"src", "alt"}},
    link_rel=None,
    url_schemes=set(LINK_SCHEMES),
    url_relative="deny",
)
_TAG = re.compile(r'<(?P<close>/?)(?P<name>a|img|h[1-6])(?P<attrs>(?: [\w:-]+="[^"]*")*)>')
_ATTRIBUTE = re.compile(r' ([\w:-]+)="([^"]*)"')


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Keep only Mastodon's classes (microformats and a few names) and integer list numbers."""
    if attribute == "class":
        kept = [name for name in value.split() if name in ALLOWED_CLASSES or _MICROFORMAT_CLASS.match(name)]
        return " ".join(kept) or None
    if attribute in ("start", "value"):
        return value.strip() if _INTEGER.fullmatch(value.strip()) else None
    return value


_ALLOWLIST = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=_DROPPED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    link_rel=LINK_REL,
    url_schemes=set(LINK_SCHEMES),
    url_relative="deny",
)
_NO_TAGS = nh3.Cleaner(tags=set(), clean_content_tags=_DROPPED_WITH_CONTENT, attributes={"*": set()})

# For plain_text: only layout tags, bare, so that block ends can become line breaks.
_LAYOUT = nh3.Cleaner(
    tags=set(ALLOWED_TAGS | _HEADINGS),
    clean_content_tags=_DROPPED_WITH_CONTENT,
    attributes={"*": set()},
    link_rel=None,
)
_LINE_BREAK = re.compile(r"<br>")
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|blockquote|pre|ul|ol)>")
_ITEM_END = re.compile(r"</li>")
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Format characters (Unicode category Cf) change how the text around them reads without showing: bidi
# embeddings, overrides, isolates and marks let a name pose as another (reversed text), zero-width ones hide
# differences. Zero-width joiner and non-joiner stay: emoji sequences and Persian or Indic spelling need them.
_KEPT_FORMAT = frozenset("\u200c\u200d")
_BREAKING = frozenset(("Cc", "Zl", "Zp"))  # control characters, line and paragraph separators: a space


def sanitize_html(html: str) -> str:
    """Remote HTML reduced to Mastodon's allowlist, safe to render with `|safe`."""
    if not html:
        return ""
    return _ALLOWLIST.clean(_rewrite_headings_and_images(_CANONICAL.clean(html)))


CACHED_TEXT_LENGTH = 20_000  # a post's text up to this is kept for its next reading; longer ones are rare


def plain_text(html: str) -> str:
    """The readable text of an HTML fragment: no tags, entities decoded, paragraphs as blank lines."""
    return _cached_plain_text(html) if len(html) <= CACHED_TEXT_LENGTH else _plain_text(html)


@lru_cache(maxsize=1024)  # a received post's text is read for its title, its hours and the search index
def _cached_plain_text(html: str) -> str:
    return _plain_text(html)


def _plain_text(html: str) -> str:
    if not html:
        return ""
    layout = _SPACES.sub(" ", _LAYOUT.clean(html))
    layout = _BLOCK_END.sub("\n\n", _ITEM_END.sub("\n", _LINE_BREAK.sub("\n", layout)))
    text = unescape(_NO_TAGS.clean(layout))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def sanitize_text(text: str) -> str:
    """One line of plain text from remote HTML, for display names and labels: no tags, no control characters."""
    return clean_display_name(plain_text(text))


def clean_display_name(text: str) -> str:
    """One line of text as people will see it: no control, bidi or other invisible format characters, spaces
    collapsed. Every name is stored through this, local ones (typed here) and remote ones alike."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in _BREAKING:
            kept.append(" ")
        elif category != "Cf" or char in _KEPT_FORMAT:
            kept.append(char)
    return " ".join("".join(kept).split())


def _rewrite_headings_and_images(canonical: str) -> str:
    """h1-h6 become <p><strong> (as Mastodon does); <img> becomes a link to its source."""
    link_depth = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal link_depth
        name, closing = match["name"], bool(match["close"])
        if name == "a":
            link_depth = max(0, link_depth + (-1 if closing else 1))
            return match[0]
        if name != "img":
            return "</strong></p>" if closing else "<p><strong>"
        attributes = {key: unescape(value) for key, value in _ATTRIBUTE.findall(match["attrs"])}
        src, alt = attributes.get("src", ""), attributes.get("alt", "").strip()
        label = escape(alt or src, quote=False)
        if not src or link_depth:  # no usable source, or already inside a link: keep the words
            return escape(alt, quote=False)
        return f'<a href="{escape(src)}">{label}</a>'

    return _TAG.sub(rewrite, canonical)
