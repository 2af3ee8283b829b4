"""The error tree every layer raises; one middleware turns these into HTTP answers."""


class FedaidError(Exception):
    """An expected failure. `status` is the HTTP answer; str(error) is safe to show."""

    status = 500


class InvalidInput(FedaidError):
    status = 400


class InvalidActivity(InvalidInput):
    """An ActivityPub document we cannot accept as sent."""


class Unauthorized(FedaidError):
    status = 401


class SignatureError(Unauthorized):
    """A missing, malformed, stale or wrong HTTP signature."""


class Forbidden(FedaidError):
    status = 403


class NotFound(FedaidError):
    status = 404


class Conflict(FedaidError):
    status = 409


class NotYet(FedaidError):
    """It refers to something that has not arrived yet (one activity overtook another): try again later."""

    status = 409


class Gone(FedaidError):
    status = 410


class PayloadTooLarge(FedaidError):
    status = 413


class UnsupportedMediaType(FedaidError):
    status = 415


class TooManyRequests(FedaidError):
    status = 429


class FetchError(FedaidError):
    """A GET to another server failed or was refused; status 502 when it reaches a client."""

    status = 502


class UnsafeAddress(FetchError):
    """The URL resolves to an address we must not contact (SSRF guard)."""

    status = 400


class ConfigError(FedaidError):
    """Settings that cannot work; the message says which one and how to fix it."""
