"""The durable queue of mails and pushes to members, beside federation's `Delivery`; claimed and retried alike."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class JobChannel(StrEnum):
    MAIL = "mail"
    PUSH = "push"


class JobState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    GIVEN_UP = "given_up"
    GONE = "gone"  # the push subscription answered 410, or the mail's moment has passed


class OutboundJob(Model):
    """Send one mail or one push to `account`. `template` and `data` say what, rendered when sent.

    `dedupe_key` makes queuing idempotent (one job per notification and channel), and `message_id` is fixed
    when queued, so a mail sent twice after a crash shows once in the member's mailbox.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharEnumField(JobChannel, max_length=8)
    account = fields.ForeignKeyField("models.Account", related_name="outbound_jobs", on_delete=fields.CASCADE)
    notification = fields.ForeignKeyField(
        "models.Notification", related_name="outbound_jobs", null=True, on_delete=fields.CASCADE
    )
    push_subscription = fields.ForeignKeyField(
        "models.PushSubscription", related_name="outbound_jobs", null=True, on_delete=fields.CASCADE
    )
    template = fields.CharField(max_length=64)
    data = fields.JSONField(default=dict)
    dedupe_key = fields.CharField(max_length=255, unique=True)
    message_id = fields.CharField(max_length=255, default="")
    state = fields.CharEnumField(JobState, max_length=16, default=JobState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    last_status = fields.IntField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbound_job"
        indexes = (("state", "next_attempt_at"),)


class PushSubscription(Model):
    """A Web Push subscription of a Mastodon app, one per access token as Mastodon keeps it."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="push_subscriptions", on_delete=fields.CASCADE)
    token = fields.OneToOneField("models.OAuthToken", related_name="push_subscription", on_delete=fields.CASCADE)
    endpoint = fields.CharField(max_length=2048)
    p256dh = fields.CharField(max_length=255)
    auth = fields.CharField(max_length=255)
    access_token_sealed = fields.TextField()  # the app's token, encrypted: apps match pushes to accounts by it
    alerts = fields.JSONField(default=dict)
    policy = fields.CharField(max_length=16, default="all")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "push_subscription"


class VapidKey(Model):
    """The VAPID key pair of the instance (RFC 8292), made on first start: push services check our pushes with it."""

    id = fields.IntField(primary_key=True)
    private_key_pem = fields.TextField()
    public_key = fields.CharField(max_length=128)  # the uncompressed P-256 point, base64url, as apps want it
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "vapid_key"
