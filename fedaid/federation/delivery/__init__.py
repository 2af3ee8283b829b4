"""Send queued activities: claim due `Delivery` rows, sign them, POST them, record what happened.

    domain/publish.py ──► Delivery(pending) ──► claim a batch ──────────────► per-host slot, breaker
    (same transaction      next_attempt_at       FOR UPDATE SKIP LOCKED (PG)     │
     as the change)                              claimed_until = now + lease     ▼
                                                                 sign (cached key) ──► POST inbox
                                                                                      │ connect 5 s,
      done ◄── 2xx ──────────── next_step(status) ◄───────────────────────────────────┘ total 15 s
      gone ◄── 410 (and the inbox's other rows; its followers are forgotten)
      given_up ◄── other 4xx, 501, refused address, 16th failure, host failing on 7 distinct days
      pending, next_attempt_at = now + retry_delay ◄── no answer, 5xx, 401, 408, 429

What to send, and to whom, was decided by `domain/publish.py`; nothing here reads AS2.
A worker killed mid-batch leaves its claimed rows to be retried after the lease: only those
in flight (or sent and not yet recorded) can arrive twice.

One module per job: `queue` claims rows and records outcomes, `signing` checks inbox URLs and signs,
`slots` keeps the per-host slots and circuit breakers, `health` tracks failing domains, `outcomes` holds
an attempt's result (what a status means is `domain.retries`), and `worker` runs passes over them.
"""

from fedaid.federation.delivery.health import mark_domain_alive
from fedaid.federation.delivery.worker import DeliveryWorker

__all__ = ["DeliveryWorker", "mark_domain_alive"]
