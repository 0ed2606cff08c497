"""Sign-in that resists guessing: lockout per account that an admin lifts, throttling per
address, every refused attempt audited, and signing out ending a token at once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import PASSWORD
from test_pages import _csrf, _sign_in
from triage.store import Database
from triage.store.tables import AuditEvent

H = dict[str, dict[str, str]]


def _token(client: TestClient, username: str, password: str) -> Any:
    return client.post("/api/v1/token", data={"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(
    client: TestClient, headers: H, database: Database
) -> None:
    for _attempt in range(4):
        assert _token(client, "jo", "not the password at all").status_code == 401
    locking = _token(client, "jo", "not the password at all")
    assert locking.status_code == 401 and locking.json()["title"] == "This account is locked"
    right = _token(client, "jo", PASSWORD)  # even the right password, while locked
    assert right.status_code == 401 and "ask an admin" in right.json()["detail"]
    with database.reading() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sign_in_refused")
        ).all()
    assert [e.detail["why"] for e in refused] == ["wrong password"] * 5 + ["locked"]
    assert all(e.username == "jo" for e in refused)
    others = client.post("/api/v1/users/jo/unlock", headers=headers["mash_worker"])
    assert others.status_code == 403
    unlocked = client.post("/api/v1/users/jo/unlock", headers=headers["admin"])
    assert unlocked.status_code == 200
    assert _token(client, "jo", PASSWORD).status_code == 200


def test_a_guess_at_an_unknown_account_is_audited_without_the_guess(
    client: TestClient, database: Database
) -> None:
    assert _token(client, "sam.patel.password123", "x" * 12).status_code == 401
    with database.reading() as session:
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sign_in_refused")
        ).all()
    assert (event.username, event.detail["why"]) == ("(unknown)", "unknown username")


def test_many_attempts_from_one_address_are_slowed(client: TestClient) -> None:
    answers = [_token(client, "sam", "wrong wrong wrong").status_code for _ in range(12)]
    assert answers[:5] == [401] * 5  # sam locks at five; the address keeps trying
    assert answers[-1] == 429 and 429 in answers[10:]


def test_signing_out_ends_the_token_at_once(client: TestClient, headers: H) -> None:
    worker = headers["mash_worker"]
    assert client.get("/api/v1/me", headers=worker).status_code == 200
    assert client.post("/api/v1/sign-out", headers=worker).status_code == 204
    after = client.get("/api/v1/queue", headers=worker)
    assert after.status_code == 401 and "signed out" in after.json()["detail"]


def test_signing_out_of_the_pages_ends_the_cookies_token_as_a_bearer_too(
    client: TestClient,
) -> None:
    _sign_in(client, "sam")
    cookie = client.cookies.get("triage_session")
    assert cookie and client.get("/queue").status_code == 200
    token = _csrf(client, "/queue")
    client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    client.cookies.set("triage_session", cookie)  # the old cookie, kept by an attacker
    again = client.get("/queue", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/sign-in")
    bearer = client.get("/api/v1/queue", headers={"Authorization": f"Bearer {cookie}"})
    assert bearer.status_code == 401
