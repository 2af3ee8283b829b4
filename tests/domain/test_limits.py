"""Tests for fedaid/domain/limits.py and fedaid/storage/rate_limits.py: password checks slow down per address
and per account, with growing waits and no lock-out of a member; quotas; the count is shared by every process."""

from __future__ import annotations

import asyncio
import threading

import pytest
from argon2 import PasswordHasher

from fedaid.db import Database
from fedaid.domain import limits, passwords
from fedaid.domain.accounts import authenticate, change_password
from fedaid.domain.members import add_member
from fedaid.domain.passwords import HASH_SLOTS, MAX_CONCURRENT_HASHES, HashSlots, check_password
from fedaid.errors import Forbidden, TooManyRequests
from fedaid.models import Account
from fedaid.storage.rate_limits import give_back_attempt, take_attempt

from testsupport import until

BASE = "https://aid.example"
PASSWORD = "correct horse battery"
GUESS = "Summer2024!!"
ATTACKER = "203.0.113.66"


@pytest.fixture
async def ana(db: Database) -> Account:
    return (await add_member(BASE, "ana", email="ana@aid.example", password=PASSWORD)).account


async def refusals(attempts) -> list[int]:
    """Run the attempts in order: 0 for each one checked, its Retry-After for each one refused."""
    answers = []
    for attempt in attempts:
        try:
            await attempt
            answers.append(0)
        except TooManyRequests as err:
            answers.append(err.retry_after)
    return answers


# --- the two buckets ---------------------------------------------------------------------------


async def test_one_password_against_many_names_from_one_address_is_slowed(ana) -> None:
    names = [f"member{n}" for n in range(limits.PASSWORD_BY_ADDRESS.free + 3)] + ["ana"]

    answers = await refusals(authenticate(name, GUESS, address=ATTACKER) for name in names)

    free = limits.PASSWORD_BY_ADDRESS.free
    assert answers[:free] == [0] * free
    assert all(wait >= 1 for wait in answers[free:])
    # Another address is not held back, and ana's own account was never checked by the refused guess
    assert await authenticate("ana", PASSWORD, address="198.51.100.7") is not None


async def test_one_name_from_many_addresses_is_slowed(ana) -> None:
    addresses = [f"203.0.113.{n}" for n in range(1, 10)]

    answers = await refusals(authenticate("ana", GUESS, address=address) for address in addresses)

    free = limits.PASSWORD_BY_ACCOUNT.free
    assert answers[:free] == [0] * free
    assert all(wait >= 1 for wait in answers[free:])


@pytest.mark.parametrize("spelling", ["ana", "ANA", " ana ", "ana@aid.example", "Ana@Aid.Example"])
async def test_every_name_of_an_account_counts_in_the_same_bucket(ana, spelling) -> None:
    guesses = [authenticate(spelling if n % 2 else "ana", GUESS, address=f"192.0.2.{n}") for n in range(8)]

    answers = await refusals(guesses)

    assert answers.count(0) == limits.PASSWORD_BY_ACCOUNT.free


async def test_unknown_names_are_limited_like_accounts(db) -> None:
    answers = await refusals(authenticate("nobody", GUESS, address=f"192.0.2.{n}") for n in range(8))

    assert answers.count(0) == limits.PASSWORD_BY_ACCOUNT.free


async def test_a_member_signs_in_from_a_known_address_while_others_guess_their_password(ana) -> None:
    # Given ana signed in once from her usual address
    assert await authenticate("ana", PASSWORD, address="198.51.100.7") is not None
    # When an attacker fails from many addresses until the account is held back
    await refusals(authenticate("ana", GUESS, address=f"203.0.113.{n}") for n in range(10))
    with pytest.raises(TooManyRequests):
        await authenticate("ana", PASSWORD, address="203.0.113.99")
    # Then ana still signs in from her address: the attacker cannot lock her out
    assert await authenticate("ana", PASSWORD, address="198.51.100.7") is not None


async def test_a_right_password_gives_its_attempts_back(ana) -> None:
    for _ in range(limits.PASSWORD_BY_ACCOUNT.free - 1):
        assert await authenticate("ana", GUESS, address="198.51.100.7") is None
    assert await authenticate("ana", PASSWORD, address="198.51.100.7") is not None

    # The count starts again: as many wrong passwords as before are checked, not refused
    answers = await refusals(authenticate("ana", GUESS, address="192.0.2.1") for _ in range(3))
    assert answers == [0, 0, 0]


async def test_changing_the_password_is_limited_like_signing_in(ana) -> None:
    answers = []
    for n in range(8):
        try:
            await change_password(ana, GUESS, "a new long password", address=f"203.0.113.{n}")
        except Forbidden:
            answers.append("wrong")
        except TooManyRequests as err:
            answers.append(err.retry_after)
    assert answers[: limits.PASSWORD_BY_ACCOUNT.free] == ["wrong"] * limits.PASSWORD_BY_ACCOUNT.free
    assert all(isinstance(answer, int) and answer >= 1 for answer in answers[limits.PASSWORD_BY_ACCOUNT.free :])
    assert await check_password((await Account.get(id=ana.id)).password_hash, PASSWORD)


async def test_a_changed_password_is_the_one_that_signs_in(ana) -> None:
    await change_password(ana, PASSWORD, "a new long password", address="198.51.100.7")

    assert await authenticate("ana", "a new long password", address="198.51.100.7") is not None
    assert await authenticate("ana", PASSWORD, address="198.51.100.7") is None


# --- quotas --------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [limits.SIGN_UP, limits.APP_REGISTRATION])
async def test_quotas_per_address_refuse_once_used_up(db, limit) -> None:
    answers = await refusals(limits.take(limit, "192.0.2.1") for _ in range(limit.free + 2))

    assert answers[: limit.free] == [0] * limit.free
    assert answers[limit.free :] == [int(limit.first_wait)] * 2
    await limits.take(limit, "192.0.2.2")  # another address has its own quota


# --- the counter itself --------------------------------------------------------------------------


async def test_waits_double_up_to_the_longest_and_quiet_starts_the_count_again(db) -> None:
    def take(now: float) -> asyncio.Future:
        return take_attempt("test:k", now, free=3, first_wait=1, longest_wait=5, forget_after=60)

    assert [await take(1000.0 + n * 0.01) for n in range(3)] == [0, 0, 0]
    assert await take(1000.5) == pytest.approx(0.52)  # the third attempt set a 1 s wait
    # Each attempt taken after its wait doubles the next one's, up to 5 s
    now, waits = 1001.1, []
    for _ in range(4):
        assert await take(now) == 0
        waits.append(await take(now + 0.001))
        now += 6
    assert waits == pytest.approx([2 - 0.001, 4 - 0.001, 5 - 0.001, 5 - 0.001])
    # After a minute without attempts, the count starts again
    assert [await take(now + 60 + n * 0.01) for n in range(3)] == [0, 0, 0]


async def test_giving_back_below_the_free_attempts_lifts_the_wait(db) -> None:
    for n in range(3):
        await take_attempt("test:g", 1000.0 + n, free=3, first_wait=10, longest_wait=10, forget_after=60)
    assert await take_attempt("test:g", 1003.0, free=3, first_wait=10, longest_wait=10, forget_after=60) > 0

    await give_back_attempt("test:g", free=3)

    assert await take_attempt("test:g", 1003.0, free=3, first_wait=10, longest_wait=10, forget_after=60) == 0


async def test_processes_sharing_the_database_share_the_count(db) -> None:
    # Given a second connection to the same database, as another web process would have
    other = Database(db.url)
    await other.connect()
    try:

        async def attempt(database: Database) -> float:
            with database.active():
                return await take_attempt("test:shared", 1000.0, free=5, first_wait=9, longest_wait=9, forget_after=60)

        # When 30 attempts race through both at once
        waits = await asyncio.gather(*(attempt(db if n % 2 else other) for n in range(30)))
    finally:
        await other.close()

    # Then exactly the free ones were taken
    assert sorted(waits)[:6] == [0, 0, 0, 0, 0, 9]
    assert waits.count(0) == 5


# --- the hasher ----------------------------------------------------------------------------------


@pytest.fixture
def production_cost_hashing(monkeypatch) -> None:
    """argon2id at a cost high enough (~0.1 s) for checks to overlap; the suite's default is near free."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=2, memory_cost=32 * 1024, parallelism=1))


@pytest.mark.parametrize("checks", [MAX_CONCURRENT_HASHES + 1, 4 * MAX_CONCURRENT_HASHES])
async def test_concurrent_password_checks_run_at_most_the_cap_at_once(ana, production_cost_hashing, checks) -> None:
    account = await Account.get(id=ana.id)
    account.password_hash = await passwords.hash_password(PASSWORD)
    await account.save(update_fields=["password_hash"])
    HASH_SLOTS.reset_peak()

    results = await asyncio.gather(
        *(
            authenticate("ana", PASSWORD, address=f"198.51.100.{n}")
            if n % 2
            else authenticate(f"nobody{n}", GUESS, address=f"198.51.100.{n}")
            for n in range(checks)
        )
    )

    assert 1 <= HASH_SLOTS.most_running <= MAX_CONCURRENT_HASHES
    assert [result is not None for result in results] == [n % 2 == 1 for n in range(checks)]


async def test_hashes_beyond_the_cap_wait_for_a_free_slot() -> None:
    # Given work that holds its slot until released
    slots, release, started = HashSlots(2), threading.Event(), []

    def hold(n: int) -> int:
        started.append(n)
        release.wait(timeout=10)
        return n

    # When six ask at once
    tasks = [asyncio.ensure_future(slots.run(hold, n)) for n in range(6)]
    await until(lambda: slots.running == 2, "two slots busy")
    # Then two run, the others wait; all finish once released
    assert len(started) == 2
    release.set()
    assert await asyncio.gather(*tasks) == list(range(6))
    assert slots.most_running == 2 and slots.running == 0
