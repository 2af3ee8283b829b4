"""RateLimit: how often one bucket (an action, with an address or an account) was tried lately.

Kept in the database so every web process counts the same attempts. Times are Unix seconds, so one SQL
statement compares and adds them alike on SQLite and PostgreSQL (`fedaid.storage.rate_limits`).
"""

from tortoise import fields
from tortoise.models import Model


class RateLimit(Model):
    bucket = fields.CharField(max_length=255, primary_key=True)
    hits = fields.IntField(default=0)  # attempts taken since the count last started again
    wait = fields.FloatField(default=0)  # seconds the last attempt made the next one wait
    blocked_until = fields.FloatField(default=0)  # no attempt is taken before this Unix time
    resets_at = fields.FloatField(default=0)  # after this Unix time of quiet, the count starts again

    class Meta:
        table = "rate_limit"
