"""The error tree every layer raises; one middleware turns these into HTTP answers."""


class FedaidError(Exception):
    """An expected failure. `status` is the HTTP answer; str(error) is safe to show; `retry_after`, when set,
    is sent as the `Retry-After` header (seconds)."""

    status = 500
    retry_after: int | None = None


class InvalidInput(FedaidError):
    status = 400


class OAuthError(InvalidInput):
    """An OAuth failure with its RFC 6749 error code (`invalid_grant`...); str() is the description."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.status = status


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
    """Too many attempts; `retry_after` is how many seconds to wait (sent as `Retry-After`)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(FedaidError):
    """The server cannot answer for a moment (its database is locked or unreachable); `Retry-After` says when."""

    status = 503

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FetchError(FedaidError):
    """A GET to another server failed or was refused; status 502 when it reaches a client."""

    status = 502


class UnsafeAddress(FetchError):
    """The URL resolves to an address we must not contact (SSRF guard)."""

    status = 400


class ConfigError(FedaidError):
    """Settings that cannot work; the message says which one and how to fix it."""
