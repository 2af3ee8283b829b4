"""A person's browser tab for Playwright tests: signs in, fills labelled fields, watches for scripts and dialogs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.helpers import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PAYLOAD = '<script>window.__xss=1;alert(1)</script><img src=x onerror="window.__xss=2;alert(2)">'


class Person:
    """One person's browser tab; records every dialog a page opens."""

    def __init__(self, context, base_url: str) -> None:
        self.context, self.base_url = context, base_url
        self.page = None
        self.dialogs: list[str] = []

    @classmethod
    async def open(cls, browser, base_url: str, *, locale: str = "fr-FR") -> Person:
        context = await browser.new_context(locale=locale, viewport=DESKTOP)
        person = cls(context, base_url)
        context.set_default_timeout(5000)
        person.page = await context.new_page()
        person.page.on("dialog", person._on_dialog)
        return person

    async def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()

    async def go(self, path: str) -> None:
        response = await self.page.goto(self.base_url + path)
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"
        await self.assert_inert()

    async def assert_inert(self) -> None:
        assert await self.page.evaluate("() => window.__xss === undefined"), "a script payload ran"
        assert not self.dialogs, f"a page opened dialogs: {self.dialogs}"

    async def sign_in(self, login: str) -> None:
        await self.go("/signin")
        await self.field("Nom d’utilisateur·ice ou adresse e-mail").fill(login)
        await self.field("Mot de passe").fill(PASSWORD)
        await self.page.locator("main").get_by_role("button", name="Se connecter").click()
        await self.page.wait_for_load_state()
        await self.assert_inert()

    def field(self, label: str):
        """The form control labelled `label` (a required field's label ends with `*`)."""
        return self.page.locator("main").get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))

    async def click(self, name: str, *, role: str = "button") -> None:
        await self.page.locator("main").get_by_role(role, name=name).first.click()
        await self.page.wait_for_load_state()
        await self.assert_inert()

    async def text(self) -> str:
        return await self.page.locator("main").inner_text()

    async def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            await self.page.set_viewport_size(viewport)
            await self.page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
        await self.page.set_viewport_size(DESKTOP)
