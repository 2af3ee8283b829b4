"""Admins run the collective from its pages; the OAuth consent page hands client apps their code."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from pictures import pdf, png

from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.oauth import register_app
from fedaid.domain.proposals import ProposalTerms, create_proposal
from fedaid.models import Account, AccountRole, AccountState, Actor, DomainPolicy, OAuthCode, Proposal, ProposalPurpose
from tests.web.helpers import PASSWORD, Visitor, make_member


@pytest.fixture
async def instance(make_instance):
    instance = await make_instance("drivers")
    with instance.db.active():
        await make_member(instance.base_url, "ana", role=AccountRole.ADMIN)
        await make_member(instance.base_url, "bea")
        await make_member(instance.base_url, "cleo", state=AccountState.PENDING)
    return instance


@pytest.fixture
async def admin(instance):
    visitor = Visitor(instance.base_url)
    await visitor.sign_in("ana")
    yield visitor
    await visitor.close()


async def account_of(instance, username: str) -> Account:
    with instance.db.active():
        return await Account.get(actor__username=username)


async def test_admin_approves_a_pending_member_who_can_then_sign_in(instance, admin):
    cleo = await account_of(instance, "cleo")
    page = await admin.get("/admin/members")
    assert "Approuver cleo" in page
    page = await admin.post(f"/admin/members/{cleo.id}/approve", {})
    assert page.status == 200 and "Approuver cleo" not in page
    visitor = Visitor(instance.base_url)
    try:
        await visitor.sign_in("cleo")
    finally:
        await visitor.close()


async def test_admin_suspends_and_reinstates_and_changes_roles(instance, admin):
    bea = await account_of(instance, "bea")
    await admin.get("/admin/members")
    await admin.post(f"/admin/members/{bea.id}/suspend", {})
    assert (await account_of(instance, "bea")).state == AccountState.SUSPENDED
    visitor = Visitor(instance.base_url)
    try:
        page = await visitor.post("/signin", {"login": "bea", "password": PASSWORD}, from_page="/signin")
        assert page.status == 400 and "suspendu" in page
    finally:
        await visitor.close()
    await admin.post(f"/admin/members/{bea.id}/reinstate", {})
    await admin.post(f"/admin/members/{bea.id}/role", {"role": "moderator"})
    account = await account_of(instance, "bea")
    assert account.state == AccountState.APPROVED and account.role == AccountRole.MODERATOR
    ana = await account_of(instance, "ana")
    page = await admin.post(f"/admin/members/{ana.id}/role", {"role": "member"})
    assert page.status == 403 and "au moins un·e admin" in page


async def test_a_suspended_member_loses_their_session(instance, admin):
    bea_visitor = Visitor(instance.base_url)
    try:
        await bea_visitor.sign_in("bea")
        bea = await account_of(instance, "bea")
        await admin.get("/admin/members")
        await admin.post(f"/admin/members/{bea.id}/suspend", {})
        page = await bea_visitor.get("/settings", allow_redirects=False)
        assert page.status == 303
    finally:
        await bea_visitor.close()


async def test_admin_creates_an_invitation_link_that_works(instance, admin):
    await admin.get("/admin/members")
    page = await admin.post("/admin/invites", {"role": "member"})
    link = re.search(r"(/signup\?invite=[\w-]+)", page.text).group(1)
    visitor = Visitor(instance.base_url)
    try:
        page = await visitor.get(link)
        token = link.split("=", 1)[1]
        page = await visitor.post(
            "/signup", {"invite": token, "username": "dina", "email": "dina@example.org", "password": PASSWORD}
        )
        assert page.url.endswith("/u/dina")
    finally:
        await visitor.close()


async def test_domain_policies_are_added_checked_and_removed(instance, admin):
    await admin.get("/admin/federation")
    page = await admin.post("/admin/policies", {"domain": "not a domain", "kind": "block", "reason": ""})
    assert page.status == 400 and 'id="domain-error"' in page and 'value="not a domain"' in page
    page = await admin.post("/admin/policies", {"domain": "spam.example", "kind": "block", "reason": "spam"})
    assert page.status == 200 and "Suspendre spam.example" in page  # a block is confirmed first
    with instance.db.active():
        assert not await DomainPolicy.filter(domain="spam.example").exists()
    page = await admin.post("/admin/suspensions", {"domain": "spam.example", "reason": "spam"})
    assert page.status == 200 and "spam.example" in page
    with instance.db.active():
        assert await DomainPolicy.filter(domain="spam.example", kind="block").exists()
    page = await admin.post("/admin/policies", {"domain": "quiet.example", "kind": "silence", "reason": ""})
    with instance.db.active():
        assert await DomainPolicy.filter(domain="quiet.example", kind="silence").exists()
    page = await admin.post("/admin/policies/clear", {"domain": "spam.example"})
    with instance.db.active():
        assert not await DomainPolicy.filter(domain="spam.example").exists()


async def test_alliance_request_with_a_bad_address_is_refused_beside_the_field(admin):
    await admin.get("/admin/federation")
    page = await admin.post("/admin/alliances", {"acct": "nobody"})
    assert page.status == 400 and 'id="acct-error"' in page and 'value="nobody"' in page


async def test_collective_settings_show_on_the_about_page(admin):
    await admin.get("/admin/collective")
    page = await admin.post("/admin/collective", {"name": "", "summary": "", "rules": "", "contact": ""})
    assert page.status == 400 and 'id="name-error"' in page
    page = await admin.post(
        "/admin/collective",
        {
            "name": "Chauffeurs de Lyon",
            "summary": "Un collectif.",
            "rules": "Respect.\r\n\r\nEntraide.\r\n \r\nPartage.",  # a textarea's CRLF, a line of spaces
            "contact": "admin@example.org",
        },
    )
    assert page.status == 200
    page = await admin.get("/about")
    assert "Chauffeurs de Lyon" in page and "admin@example.org" in page
    assert "<p>Respect.</p><p>Entraide.</p><p>Partage.</p>" in page


async def test_delivery_health_and_reports_pages_answer(admin):
    assert (await admin.get("/admin/deliveries")).status == 200
    assert (await admin.get("/admin/reports")).status == 200


# ---------------------------------------------------------------- OAuth consent


@pytest.fixture
async def oauth_app(instance):
    with instance.db.active():
        app, _ = await register_app(
            "Toot", ["https://client.example/cb", "urn:ietf:wg:oauth:2.0:oob"], "read write", address="127.0.0.1"
        )
    return app


def authorize_path(app, redirect_uri: str, **extra: str) -> str:
    return "/oauth/authorize?" + urlencode(
        {
            "client_id": app.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": "read write",
            **extra,
        }
    )


async def test_consent_needs_sign_in_then_redirects_with_code_and_state(instance, oauth_app):
    visitor = Visitor(instance.base_url)
    try:
        path = authorize_path(oauth_app, "https://client.example/cb", state="s1")
        page = await visitor.get(path, allow_redirects=False)
        assert page.status == 303 and page.headers["Location"].startswith("/signin?next=/oauth/authorize")
        await visitor.sign_in("bea")
        page = await visitor.get(path)
        assert "Toot" in page and "Autoriser" in page
        form = {name: value for name, value in parse_qs(urlsplit(path).query, keep_blank_values=True).items()}
        data = {name: values[0] for name, values in form.items()}
        async with visitor.session.post(
            instance.base_url + "/oauth/authorize",
            data={**data, "decision": "approve", "csrf_token": page.csrf},
            allow_redirects=False,
        ) as response:
            location = response.headers["Location"]
        query = parse_qs(urlsplit(location).query)
        assert location.startswith("https://client.example/cb?") and query["state"] == ["s1"] and query["code"]
        with instance.db.active():
            assert await OAuthCode.all().count() == 1
    finally:
        await visitor.close()


async def test_denying_consent_redirects_with_access_denied(instance, oauth_app):
    visitor = Visitor(instance.base_url)
    try:
        await visitor.sign_in("bea")
        path = authorize_path(oauth_app, "https://client.example/cb", state="s2")
        page = await visitor.get(path)
        data = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        async with visitor.session.post(
            instance.base_url + "/oauth/authorize",
            data={**data, "decision": "deny", "csrf_token": page.csrf},
            allow_redirects=False,
        ) as response:
            location = response.headers["Location"]
        assert "error=access_denied" in location and "state=s2" in location
    finally:
        await visitor.close()


async def test_out_of_band_consent_shows_the_code(instance, oauth_app):
    visitor = Visitor(instance.base_url)
    try:
        await visitor.sign_in("bea")
        path = authorize_path(oauth_app, "urn:ietf:wg:oauth:2.0:oob")
        page = await visitor.get(path)
        data = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        page = await visitor.post("/oauth/authorize", {**data, "decision": "approve"})
        assert page.status == 200 and 'id="oauth-code"' in page
    finally:
        await visitor.close()


async def test_consent_for_an_unknown_app_is_explained(instance):
    visitor = Visitor(instance.base_url)
    try:
        await visitor.sign_in("bea")
        page = await visitor.get("/oauth/authorize?client_id=nope&response_type=code&redirect_uri=x")
        assert page.status == 400 and "inconnue" in page
    finally:
        await visitor.close()


async def test_a_renamed_collective_shows_its_new_name_in_every_page_header(admin):
    await admin.get("/admin/collective")
    await admin.post("/admin/collective", {"name": "Chauffeurs unis", "summary": "", "rules": "", "contact": ""})
    page = await admin.get("/")
    assert '<a class="brand" href="/">Chauffeurs unis</a>' in page


async def test_admin_sorts_a_proposal_out_of_the_general_category(instance, admin):
    with instance.db.active():
        await ensure_default_categories()
        bea = await Actor.get(username="bea", is_local=True)
        proposal = await create_proposal(
            bea,
            ProposalTerms(purpose=ProposalPurpose.OFFER, title="Je prête un truc", text="Demandez.", category="divers"),
            language="fr",
        )
    page = await admin.get("/admin/sorting")
    assert page.status == 200 and "Je prête un truc" in page and "Prêt de matériel" in page
    # A category that does not exist: refused with the reason in French, nothing moves
    page = await admin.post(f"/admin/sorting/{proposal.id}", {"category": "nope"})
    assert page.status == 400 and "Choisissez une des catégories." in page
    # A member may not sort
    member = Visitor(instance.base_url)
    try:
        await member.sign_in("bea")
        page = await member.post(f"/admin/sorting/{proposal.id}", {"category": "pret"}, from_page="/")
        assert page.status == 403
    finally:
        await member.close()
    with instance.db.active():
        assert (await Proposal.get(id=proposal.id)).category == "divers"
    # The admin moves it to lending: it leaves the page
    page = await admin.post(f"/admin/sorting/{proposal.id}", {"category": "pret"}, from_page="/admin/sorting")
    assert page.status == 200 and "Je prête un truc" not in page
    with instance.db.active():
        assert (await Proposal.get(id=proposal.id)).category == "pret"


async def post_look(admin: Visitor, fields: dict[str, str], logo: bytes | None = None, filename: str = "logo.png"):
    """The look form as a browser sends it: multipart, with the page's CSRF token."""
    page = await admin.get("/admin/collective")
    data = aiohttp.FormData({**fields, "csrf_token": page.csrf})
    if logo is not None:
        data.add_field("logo", logo, filename=filename, content_type="application/octet-stream")
    async with admin.session.post(admin.base_url + "/admin/collective/theme", data=data) as response:
        return response.status, await response.text()


async def test_admin_sets_the_colours_and_the_logo_the_pages_use(instance, admin):
    # Bad input: a colour that is not hex, a pale link colour, a PDF as logo; each refused in French, nothing set
    status, text = await post_look(admin, {"accent_color": "red", "link_color": ""})
    assert status == 400 and "six chiffres hexadécimaux" in text
    status, text = await post_look(admin, {"accent_color": "", "link_color": "#f0f0f0"})
    assert status == 400 and "trop pâle" in text
    status, text = await post_look(admin, {"accent_color": "", "link_color": ""}, pdf(), "logo.pdf")
    assert status == 400 and "Le logo doit être une image" in text
    home = await admin.get("/")
    assert "/theme.css" not in home and 'class="logo"' not in home
    # Good input: the pages link the colours' stylesheet and show the logo, readable by anyone
    status, _ = await post_look(admin, {"accent_color": "#7A1F5C", "link_color": "#0b4f8a"}, png())
    assert status == 200
    home = await admin.get("/")
    [stylesheet] = re.findall(r'href="(/theme\.css\?v=\w+)"', home.text)
    [logo] = re.findall(r'<img class="logo" src="(/media/[^"]+)"', home.text)
    visitor = Visitor(instance.base_url)
    try:
        css = await visitor.get(stylesheet)
        assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
        assert css.text == ":root{--accent:#7a1f5c;--accent-ink:#ffffff;--offer:#7a1f5c;--link:#0b4f8a;}\n"
        picture = await visitor.session.get(instance.base_url + logo)
        assert picture.status == 200 and picture.headers["Content-Type"].startswith("image/")
        picture.release()
    finally:
        await visitor.close()
