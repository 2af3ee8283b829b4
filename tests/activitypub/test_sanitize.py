"""fedaid/activitypub/sanitize.py: Mastodon's allowlist for remote HTML, and plain text."""

from __future__ import annotations

import json

import pytest

from fedaid.activitypub.sanitize import clean_display_name, plain_text, sanitize_html, sanitize_text

from testsupport import FIXTURES

REL = 'rel="nofollow noopener noreferrer"'


def fixture_content(name: str) -> str:
    doc = json.loads((FIXTURES / name).read_text())
    content: str = doc.get("object", doc)["content"]
    return content


# ---------------------------------------------------------------- scripts and attacks


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        "<style>body { display: none }</style>",
        "<svg><script>alert(1)</script></svg>",
        "<iframe src=https://evil.example></iframe>",
        "<template><script>alert(1)</script></template>",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ],
)
def test_script_and_style_content_removed(html: str) -> None:
    cleaned = sanitize_html(f"<p>before</p>{html}<p>after</p>")
    for bad in ("alert", "<script", "<style", "display", "onerror", "<svg", "<iframe"):
        assert bad not in cleaned.lower()
    assert cleaned.startswith("<p>before</p>")


def test_event_handlers_and_javascript_links_removed() -> None:
    cleaned = sanitize_html(
        '<p onclick="steal()">x <a href="javascript:alert(1)" onmouseover="steal()">click</a> '
        '<a href="JaVaScRiPt:alert(1)">two</a> <a href="vbscript:x">three</a> '
        '<a href="data:text/html,<script>alert(1)</script>">four</a></p>'
    )
    assert cleaned == (f"<p>x <a {REL}>click</a> <a {REL}>two</a> <a {REL}>three</a> <a {REL}>four</a></p>")


def test_onerror_on_images_removed() -> None:
    cleaned = sanitize_html('<img src="x" onerror="alert(1)"><img src=https://a.example/i.png onerror=alert(1)>')
    assert "onerror" not in cleaned
    assert "alert" not in cleaned


def test_relative_links_removed() -> None:
    assert sanitize_html('<a href="/admin">x</a>') == f"<a {REL}>x</a>"


@pytest.mark.parametrize(
    "scheme", ["http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"]
)
def test_mastodon_link_schemes_kept(scheme: str) -> None:
    href = f"{scheme}://example.org/x" if scheme not in ("xmpp", "magnet") else f"{scheme}:example"
    assert f'href="{href}"' in sanitize_html(f'<a href="{href}">x</a>')


@pytest.mark.parametrize("href", ["mailto:a@b.example", "ftp://a.example/x", "file:///etc/passwd", "tel:123"])
def test_other_link_schemes_removed(href: str) -> None:
    assert "href" not in sanitize_html(f'<a href="{href}">x</a>')


# ---------------------------------------------------------------- what is kept


def test_allowed_tags_and_attributes_kept() -> None:
    html = (
        "<p>a<br>b <span>s</span> <del>d</del> <em>e</em> <strong>s</strong> <b>b</b> <i>i</i> <u>u</u> "
        "<code>c</code></p><pre>pre</pre><blockquote><p>q</p></blockquote>"
        '<ul><li>one</li></ul><ol start="3" reversed=""><li value="7">seven</li></ol>'
    )
    assert sanitize_html(html) == html


def test_other_tags_unwrapped_and_attributes_dropped() -> None:
    html = (
        '<div style="color:red" id="x"><table><tr><td>cell</td></tr></table>'
        '<span title="t" translate="no" lang="fr">s</span></div>'
    )
    assert sanitize_html(html) == "cell<span>s</span>"


def test_non_numeric_list_numbers_dropped() -> None:
    assert sanitize_html('<ol start="x"><li value="1e9">a</li></ol>') == "<ol><li>a</li></ol>"


def test_class_values_filtered_to_mastodons_list() -> None:
    html = (
        '<span class="foo mention hashtag h-card u-url p-name dt-published e-content '
        'invisible ellipsis mentionx bar">x</span>'
    )
    assert sanitize_html(html) == (
        '<span class="mention hashtag h-card u-url p-name dt-published e-content invisible ellipsis">x</span>'
    )
    assert sanitize_html('<span class="foo">x</span>') == "<span>x</span>"
    assert sanitize_html('<span class="">x</span>') == "<span>x</span>"


def test_mastodon_mention_markup_kept_intact() -> None:
    cleaned = sanitize_html(fixture_content("mastodon/create_note_reply.json"))
    assert cleaned.startswith(
        '<p><span class="h-card"><a href="https://mamot.fr/@retiolus" class="u-url mention" '
        f"{REL}>@<span>retiolus</span></a></span> i have"
    )


def test_mastodon_hashtag_and_link_markup_kept_intact() -> None:
    doc = json.loads((FIXTURES / "mastodon/featured_collection.json").read_text())
    cleaned = sanitize_html(doc["orderedItems"][0]["content"])
    assert (
        f'<a href="https://mastodon.social/tags/reddit" class="mention hashtag" {REL}>'
        "#<span>reddit</span></a>" in cleaned
    )
    # Mastodon's shortened link: the invisible prefix stays, the empty class and target go.
    assert (
        f'<a href="https://github.com/LemmyNet/lemmy/" {REL}><span class="invisible">https://</span>'
        '<span>github.com/LemmyNet/lemmy/</span><span class="invisible"></span></a>'
    ) in cleaned


def test_pleroma_mention_loses_only_unknown_attributes() -> None:
    cleaned = sanitize_html(fixture_content("pleroma/create_note.json"))
    assert cleaned.startswith(
        f'<span class="h-card"><a class="u-url mention" href="https://enterprise.lemmy.ml/u/picard" {REL}>'
    )
    assert "data-user" not in cleaned


@pytest.mark.parametrize(
    "name",
    [
        "mastodon/create_note_reply.json",
        "mastodon/note_1.json",
        "mastodon/create_direct_message.json",
        "pleroma/create_note.json",
        "friendica/update_note.json",
        "mobilizon/event.json",
        "lemmy/page.json",
        "mitra/create_post.json",
    ],
)
def test_sanitising_twice_changes_nothing(name: str) -> None:
    once = sanitize_html(fixture_content(name))
    assert sanitize_html(once) == once
    assert plain_text(once) == plain_text(fixture_content(name))


# ---------------------------------------------------------------- headings and images


@pytest.mark.parametrize("level", range(1, 7))
def test_headings_become_strong(level: int) -> None:
    assert sanitize_html(f'<h{level} class="h-x" id="t">Title</h{level}><p>text</p>') == (
        "<p><strong>Title</strong></p><p>text</p>"
    )


def test_heading_text_that_looks_like_a_tag_is_not_rewritten() -> None:
    assert sanitize_html("<p>&lt;h1&gt; is a heading</p>") == "<p>&lt;h1&gt; is a heading</p>"


def test_image_becomes_a_link_to_its_source() -> None:
    cleaned = sanitize_html('<p><img src="https://a.example/cat.png?w=1&amp;h=2" alt="a <cat> & dog" width="9"></p>')
    assert cleaned == (f'<p><a href="https://a.example/cat.png?w=1&amp;h=2" {REL}>a &lt;cat&gt; &amp; dog</a></p>')


def test_image_without_alt_is_labelled_with_its_source() -> None:
    assert sanitize_html('<img src="https://a.example/i.png">') == (
        f'<a href="https://a.example/i.png" {REL}>https://a.example/i.png</a>'
    )


def test_image_inside_a_link_leaves_only_its_alt_text() -> None:
    assert sanitize_html('<a href="https://a.example/"><img src="https://a.example/i.png" alt="logo"></a>') == (
        f'<a href="https://a.example/" {REL}>logo</a>'
    )


@pytest.mark.parametrize("src", ["javascript:alert(1)", "data:image/png;base64,AAAA", "/relative.png", ""])
def test_image_with_unusable_source_is_dropped(src: str) -> None:
    assert sanitize_html(f'<p>x<img src="{src}" alt="pic">y</p>') == "<p>xpicy</p>"
    assert sanitize_html(f'<p>x<img src="{src}">y</p>') == "<p>xy</p>"


def test_empty_input() -> None:
    assert sanitize_html("") == ""
    assert plain_text("") == ""
    assert sanitize_text("") == ""


# ---------------------------------------------------------------- plain text


def test_plain_text_keeps_paragraphs_and_line_breaks() -> None:
    html = (
        "<h1>Offre</h1>\n<p>Aide  au\n déménagement<br>samedi</p>"
        "<ul><li>un</li><li>deux</li></ul><p>Tom &amp; Jerry &lt;3</p>"
    )
    assert plain_text(html) == "Offre\n\nAide au déménagement\nsamedi\n\nun\ndeux\n\nTom & Jerry <3"


def test_plain_text_drops_script_content_and_tags() -> None:
    assert plain_text('<p>hi<script>alert(1)</script> <a href="https://a.example">there</a></p>') == "hi there"


def test_plain_text_of_mastodon_mention() -> None:
    content = fixture_content("mastodon/create_direct_message.json")
    assert plain_text(content) == "@nutomic@ds9.lemmy.ml 444"


# ---------------------------------------------------------------- display names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ana", "Ana"),
        ("<b>Ana</b> <script>x()</script>Lopez", "Ana Lopez"),
        ("  Ana\n\tLopez  ", "Ana Lopez"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("I <3 cats", "I <3 cats"),
        ("Haelwenn /элвэн/ :bzh: ", "Haelwenn /элвэн/ :bzh:"),
        ("evil\u202egnp.exe", "evilgnp.exe"),
        ("bell\x07ring\x00", "bell ring"),
    ],
)
def test_sanitize_text(raw: str, expected: str) -> None:
    assert sanitize_text(raw) == expected


# ---------------------------------------------------------------- display names

HIDDEN = [
    ("Ana\u202eotnot", "Anaotnot"),  # right-to-left override: would read "Anatonto"
    ("\u202bAna\u202c", "Ana"),
    ("\u2066Ana\u2069 \u2067x\u2069 \u2068y\u2069", "Ana x y"),  # isolates
    ("\u200eAna\u200f\u061c", "Ana"),  # marks
    ("A\u200bn\u2060a\ufeff", "Ana"),  # zero-width space, word joiner, BOM
    ("A\u00adna", "Ana"),  # soft hyphen
    ("Ana\x00\x07\x1b[31m", "Ana [31m"),
    ("Ana\nAdmin\r\tx", "Ana Admin x"),
    ("Ana\u2028Admin\u2029x\x85y", "Ana Admin x y"),
    ("  Ana   B  ", "Ana B"),
]


@pytest.mark.parametrize("raw, clean", HIDDEN)
def test_display_names_lose_control_bidi_and_invisible_characters(raw, clean) -> None:
    assert clean_display_name(raw) == clean
    assert sanitize_text(raw) == clean  # remote names: the same rule after the HTML is read


def test_display_names_keep_what_scripts_and_emoji_need() -> None:
    for name in ("👩\u200d👩\u200d👧", "می\u200cخواهم", "Zoé <3 & co", "עדן", "مريم", "❤\ufe0f"):
        assert clean_display_name(name) == name
