"""Indexes for the reads the worker makes at every pass (tests/federation/test_worker_reads.py), which read
whole tables that grow: the notifications not dispatched yet, our collective's actor and its allies, a post
confirming an exchange, the polls still open and the sessions ending, the attachments of posts deleted
lately; and those that pages need: a post's attachments, a member's notifications, the silenced accounts and
the sessions not over yet. Partial where the
rows wanted are few among many (plain SQL, the same on SQLite and PostgreSQL)."""

from tortoise import migrations
from tortoise.migrations import operations as ops

INDEXES = {
    "idx_notification_undispatched": "notification (id) WHERE dispatched_at IS NULL",
    "idx_actor_local_type": "actor (is_local, type)",
    "idx_exchange_confirmation_note": "exchange (confirmation_note_id) WHERE confirmation_note_id IS NOT NULL",
    "idx_poll_open": "poll (expires_at) WHERE closed_at IS NULL",
    "idx_coaching_session_ends": "coaching_session (ends_at)",
    # Found by the same check on every foreign key: a page's attachments, found by their posts, and a member's
    # notifications (newest first) read the whole table for want of these.
    "idx_media_attachment_post": "media_attachment (post_id) WHERE post_id IS NOT NULL",
    "idx_notification_recipient": "notification (recipient_id, id)",
    # Whether any account is silenced, which public listings ask first: none is, most of the time.
    "idx_actor_silenced": "actor (id) WHERE NOT silenced_at IS NULL",  # as Tortoise writes the test
}


class Migration(migrations.Migration):
    dependencies = [("models", "0028_media_of_demands_and_sessions")]

    initial = False

    operations = [
        ops.RunSQL(
            [f"CREATE INDEX IF NOT EXISTS {name} ON {columns}" for name, columns in INDEXES.items()],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name in INDEXES],
        ),
    ]
