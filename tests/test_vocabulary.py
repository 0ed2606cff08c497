"""No code reaches a MASH worker: every notification page of a synthetic city, walked as a
worker reads it, shows words for every field, flag, factor and action (rule ids such as R07
stay, named as rules). Codes stay in the API and the analysts' data."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from privacy import submitted

from test_pages import _sign_in
from triage.casework.vocabulary import in_words, said
from triage.intake import load_records
from triage.notification.reader import raw_from_text
from triage.store import Database
from triage.synth import generate_city
from triage.vetting import Vetter

CODE = re.compile(r"\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b")


class _Text(HTMLParser):
    """The text a person reads: not scripts, styles or what is typed into a form."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "textarea", "code"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "textarea", "code"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def test_codes_read_as_words() -> None:
    assert said("cce_risk") == "Criminal exploitation risk"
    assert said("history.episodes_365d") == "Episodes in the last 12 months"
    assert said("something_new") == "Something new"  # unknown: its own words
    assert (
        in_words("at least medium; flags cse_risk")
        == "at least medium; flags sexual exploitation risk"
    )


def test_no_code_shows_on_any_notification_page(
    client: TestClient, database: Database, scored_vetter: Vetter
) -> None:
    city = generate_city(months=3, seed=7)
    submitted(city.records)
    records = [
        raw_from_text(json.dumps(r), source="c", position=k) for k, r in enumerate(city.records)
    ]
    load_records(database, records, vetter=scored_vetter)
    _sign_in(client, "sam")
    queue = client.get("/queue/notifications", params={"status": "all"}).text
    references = re.findall(r'href="/notifications/([^"]+)"', queue)[:40]
    assert len(references) >= 20
    shown: dict[str, str] = {}
    for reference in references:
        text = _Text()
        text.feed(client.get(f"/notifications/{reference}").text)
        for code in CODE.findall(" ".join(text.parts)):
            shown.setdefault(code, reference)
    assert shown == {}, f"codes a worker would read: {shown}"


def test_the_api_documentation_says_what_each_code_means_in_the_same_words(
    client: TestClient,
) -> None:
    """The API keeps codes; its descriptions give each the words the pages use."""
    from triage.casework.vocabulary import ACTION_WORDS, FLAG_WORDS, said

    document = json.dumps(client.get("/api/v1/openapi.json").json())
    for code in [*ACTION_WORDS, *FLAG_WORDS]:
        assert f"`{code}`: {said(code)}" in document, code
