"""Indexes the client API reads by: a member's posts, replies, followers, notifications, and what is new.

Plain SQL (the same on SQLite and PostgreSQL), so the models need no change and the autodetector
leaves them alone.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

INDEXES = {
    "idx_post_author_id": "post (author_id, id)",  # account statuses, statuses_count
    "idx_post_in_reply_to_id": "post (in_reply_to_id)",  # replies_count, context
    "idx_post_created_at": "post (created_at)",  # the streaming hub's poll
    # Only deleted posts: an index holding every live post would lead planners to sort whole timelines.
    "idx_post_deleted_at": "post (deleted_at) WHERE deleted_at IS NOT NULL",  # the hub's delete events
    "idx_follow_target_state": "follow (target_id, state)",  # followers, followers_count
    "idx_notification_recipient": "notification (recipient_id, id)",  # notifications, newest first
}


class Migration(migrations.Migration):
    dependencies = [("models", "0005_collective_page")]

    initial = False

    operations = [
        ops.RunSQL(
            [f"CREATE INDEX IF NOT EXISTS {name} ON {columns}" for name, columns in INDEXES.items()],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name in INDEXES],
        ),
    ]
