"""Reading and checking what people type: every problem is kept beside its field, with what was typed.

A handler reads a `Form`, checks fields with its methods, and either acts (when `form.is_valid`) or
shows the same page again with `form` so the template can put each message beside its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from aiohttp import web

from fedaid.i18n import format_number, gettext

MAX_HOURS = Decimal(1000)


@dataclass
class Form:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)

    @classmethod
    async def read(cls, request: web.Request) -> Form:
        data = await request.post()
        values: dict[str, str] = {}
        for key in data:
            value = data.get(key)
            if isinstance(value, str):
                values[key] = value
        return cls(values=values)

    @classmethod
    def of(cls, **values: object) -> Form:
        """A form filled with current values, for edit pages."""
        return cls(values={key: "" if value is None else str(value) for key, value in values.items()})

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def fail(self, name: str, message: str, **variables: object) -> None:
        """Keep the first problem of field `name`, translated."""
        self.errors.setdefault(name, gettext(message, **variables))

    def text(self, name: str, *, required: bool = False, max_length: int = 200, min_length: int = 0) -> str:
        value = self.get(name).strip()
        if required and not value:
            self.fail(name, "Fill in this field.")
        elif value and len(value) < min_length:
            self.fail(name, "Write at least %(count)s characters.", count=min_length)
        elif len(value) > max_length:
            self.fail(name, "Write at most %(count)s characters.", count=max_length)
        return value

    def choice(self, name: str, choices: tuple[str, ...] | list[str], *, required: bool = True) -> str:
        value = self.get(name).strip()
        if not value and not required:
            return ""
        if value not in choices:
            self.fail(name, "Choose one of the options.")
        return value

    def checkbox(self, name: str) -> bool:
        return self.get(name) in ("on", "1", "true", "yes")

    def hours(self, name: str, *, required: bool = True) -> Decimal | None:
        """A positive number of hours, written `1.5` or `1,5`, at most 1000, in quarter hours or finer."""
        raw = self.get(name).strip().replace(",", ".").replace("\u202f", "").replace(" ", "")
        if not raw:
            if required:
                self.fail(name, "Give a number of hours.")
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.fail(name, "Write a number of hours, like 1.5.")
            return None
        if not value.is_finite() or value <= 0 or value > MAX_HOURS:
            self.fail(name, "Give a number of hours above 0 and at most %(max)s.", max=format_number(MAX_HOURS))
            return None
        if value != value.quantize(Decimal("0.01")):
            self.fail(name, "Use at most two decimals.")
            return None
        return value

    def number(self, name: str, *, minimum: float, maximum: float) -> float | None:
        raw = self.get(name).strip().replace(",", ".")
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.fail(name, "Write a number.")
            return None
        if not minimum <= value <= maximum:
            self.fail(
                name,
                "Give a number between %(low)s and %(high)s.",
                low=format_number(minimum),
                high=format_number(maximum),
            )
            return None
        return value

    def tags(self, name: str, *, limit: int = 10) -> list[str]:
        """Hashtags typed as `#a b, c`: lowercase words, without `#`, at most `limit`."""
        raw = self.get(name).replace(",", " ").split()
        tags: list[str] = []
        for word in raw:
            tag = word.lstrip("#").lower()
            if not tag:
                continue
            if not all(ch.isalnum() or ch == "_" for ch in tag) or len(tag) > 50:
                self.fail(name, "A tag is one word of letters, digits or underscores.")
                return []
            if tag not in tags:
                tags.append(tag)
        if len(tags) > limit:
            self.fail(name, "Use at most %(count)s tags.", count=limit)
        return tags[:limit]
