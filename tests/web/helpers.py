"""A small form-filling HTTP client for page tests, and helpers that create members directly."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import aiohttp
from tortoise.transactions import in_transaction

from fedaid.domain import oauth
from fedaid.domain.actors import create_local_actor
from fedaid.domain.members import Member
from fedaid.domain.passwords import hash_password
from fedaid.models import Account, AccountRole, AccountState, ActorType

from testsupport import PASSWORD

# A demand's drafting form as a member fills it in, and the start of a coaching session five days ahead at 18:00.
DEMAND_FORM = {
    "title": "Un tarif minimum au kilomètre",
    "target": "Plateforme VTC",
    "claims": "1,20 € minimum par kilomètre",
    "deadline": (date.today() + timedelta(days=20)).isoformat(),
    "language": "fr",
}
SESSION_START = (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=5)).replace(hour=18, minute=0, second=0)

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Page:
    status: int
    url: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def csrf(self) -> str:
        match = CSRF_PATTERN.search(self.text)
        assert match, f"no CSRF token on {self.url}"
        return unescape(match.group(1))

    def __contains__(self, needle: str) -> bool:
        return needle in self.text


class Visitor:
    """One person's browser, without JavaScript: keeps cookies, fills forms with the page's CSRF token."""

    def __init__(self, base_url: str, *, language: str = "fr") -> None:
        self.base_url = base_url
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Accept-Language": language, "Accept": "text/html"}
        )
        self.last: Page | None = None

    async def close(self) -> None:
        await self.session.close()

    async def get(self, path: str, **kwargs) -> Page:
        async with self.session.get(self.base_url + path, **kwargs) as response:
            self.last = Page(response.status, str(response.url), await response.text(), dict(response.headers))
        return self.last

    async def post(
        self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True, from_page: str | None = None
    ) -> Page:
        """POST a form; the CSRF token comes from `from_page` (fetched now) or the last page seen."""
        form = dict(data or {})
        if csrf:
            source = await self.get(from_page) if from_page else self.last
            if source is None:
                source = await self.get("/")
            form.setdefault("csrf_token", source.csrf)
        async with self.session.post(self.base_url + path, data=form) as response:
            self.last = Page(response.status, str(response.url), await response.text(), dict(response.headers))
        return self.last

    async def sign_in(self, login: str, password: str = PASSWORD) -> Page:
        page = await self.post("/signin", {"login": login, "password": password}, from_page="/signin")
        assert page.status == 200 and "/signout" in page.text, page.text[:2000]
        return page


async def send_files(
    visitor: Visitor, form_path: str, action: str, fields: dict[str, str], files: dict[str, tuple[bytes, str]]
) -> Page:
    """What a browser sends for the multipart form of `form_path`: its fields, the files chosen (field name →
    content and file name), and the page's CSRF token, posted to `action`."""
    form_page = await visitor.get(form_path)
    assert 'enctype="multipart/form-data"' in form_page and 'type="file"' in form_page, form_page.text[:500]
    form = aiohttp.FormData()
    for name, value in {**fields, "csrf_token": form_page.csrf}.items():
        form.add_field(name, value)
    for name, (data, filename) in files.items():
        form.add_field(
            name, data, filename=filename, content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream"
        )
    async with visitor.session.post(visitor.base_url + action, data=form) as response:
        visitor.last = Page(response.status, str(response.url), await response.text(), dict(response.headers))
    return visitor.last


async def make_member(
    base_url: str,
    username: str,
    *,
    role: AccountRole = AccountRole.MEMBER,
    state: AccountState = AccountState.APPROVED,
    locale: str = "fr",
    display_name: str = "",
) -> Member:
    """A member who signs in with PASSWORD (the same Person and Account rows `add_member` makes)."""
    async with in_transaction():
        actor = await create_local_actor(
            base_url, type=ActorType.PERSON, username=username, name=display_name or username.title()
        )
        account = await Account.create(
            actor=actor,
            email=f"{username}@example.org",
            password_hash=await hash_password(PASSWORD),
            role=role,
            state=state,
            locale=locale,
        )
    return Member(actor, account)


async def api_status(instance, token: str) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.get(
            instance.base_url + "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
        ) as response:
            return response.status


async def new_app(instance, name: str = "Tusky"):
    with instance.db.active():
        return await oauth.register_app(name, ["urn:ietf:wg:oauth:2.0:oob"], "read write", address="127.0.0.1")


async def token_for(instance, username: str, app=None) -> str:
    """A token through the domain's code flow (the HTTP flows have their own tests)."""
    app, secret = app or await new_app(instance)
    with instance.db.active():
        account = await Account.get(actor__username=username)
        request = await oauth.check_authorization_request(app.client_id, None, "read", "code")
        code = await oauth.grant_code(request, account)
        return (await oauth.exchange_code(app.client_id, secret, code, None)).access_token
