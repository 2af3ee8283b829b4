"""Categories of help, grouped in the three forms of solidarity; admins may rename, reorder or retire them."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class CategoryFamily(StrEnum):
    COACHING = "coaching"  # coaching and knowledge
    SERVICES = "services"  # services between makers
    COLLECTIVE = "collective"  # collective action


class Category(Model):
    """A kind of help. `slug` is also the hashtag a proposal carries, so it is one lowercase word."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    name_fr = fields.CharField(max_length=100)
    name_en = fields.CharField(max_length=100)
    family = fields.CharEnumField(CategoryFamily, max_length=16)
    position = fields.IntField(default=0)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "category"
        ordering = ["family", "position", "id"]

    def name_in(self, language: str | None) -> str:
        """The name in `language` (French unless it starts with "en")."""
        return self.name_en if (language or "").startswith("en") else self.name_fr
