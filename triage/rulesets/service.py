"""Promotion and rollback with sign-off, and the history of the versions made live.

The ladder: `sign_off` (two different active people: an analyst or admin asks, an admin
approves), `promote` (a candidate folder made live after its back-test), `roll_back` (the
version before, restored from the files kept as data; `history` lists both), and `Watch` (a
running service's pass that reloads its rulebook when the live folder changes).

The caller owns the transaction. The live folder is swapped last, once every row is written;
if the transaction then rolls back, the swap is undone, and once it commits, the rulebook the
live vetter holds reloads at once (the service's own, when promoted through its API).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from triage import audit
from triage.accounts.roles import Role
from triage.accounts.service import get_by_username
from triage.analysis.pseudonymised import Pseudonymiser
from triage.audit import Actor
from triage.errors import PromotionRefused, RuleFileError
from triage.rules.book import Rulebook
from triage.rules.catalogue import ruleset_version
from triage.rulesets import figures
from triage.rulesets.folder import Swap, discard, read_files, stage, swap_in
from triage.rulesets.history import PROMOTE, ROLLBACK, files_of
from triage.rulesets.tables import RulesetFile, RulesetPromotion, RulesetVersion
from triage.store.tables import UserRecord
from triage.vetting.service import Vetter

log = logging.getLogger(__name__)

ASKERS = frozenset({Role.ANALYST, Role.ADMIN})
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Made:
    """A version made live: the row recorded and where the folder it replaced is kept."""

    promotion: RulesetPromotion
    version: str
    previous: str
    kept: Path


def sign_off(session: Session, asked_by: str, approved_by: str) -> tuple[UserRecord, UserRecord]:
    """The person asking (an active analyst or admin) and the one approving (an active admin,
    not the same person), or PromotionRefused naming the field at fault."""
    asker = _person(session, "asked_by", asked_by)
    approver = _person(session, "approved_by", approved_by)
    if Role(asker.role) not in ASKERS:
        raise PromotionRefused("asked_by", "only an analyst or an admin asks for a ruleset change")
    if Role(approver.role) != Role.ADMIN:
        raise PromotionRefused("approved_by", "only an admin approves a ruleset change")
    if approver.id == asker.id:
        raise PromotionRefused("approved_by", "the person who asks cannot approve it too")
    return asker, approver


def promote(
    session: Session,
    *,
    candidate: Path,
    live: Vetter,
    asked_by: str,
    approved_by: str,
    equality_note: str,
    pseudonyms: Pseudonymiser,
    now: datetime,
) -> Made:
    """Make the rules folder `candidate` live in place of `live`'s folder: signed off, with an
    equality impact note, proved on its golden examples, different from the live version, and
    judged on its back-test over the stored history (and the newest shadow run of it, if one
    ran). Both versions' files are kept as data; the swap and the promotion are audited."""
    asker, approver = sign_off(session, asked_by, approved_by)
    note = _text("equality_note", equality_note, "an equality impact note")
    live_dir = live.rulebook.directory
    files = read_files(candidate, "candidate")
    live_files = read_files(live_dir, "rules_dir")
    version, previous = ruleset_version(candidate), ruleset_version(live_dir)
    if version == previous:
        raise PromotionRefused("candidate", f"it is the live version already ({version[:12]})")
    staging = stage(live_dir, files, version, now)
    try:
        try:
            trial = Vetter(
                Rulebook(live.rulebook.engine, staging),
                home_authority=live.home_authority,
                model=live.model,
            )
        except RuleFileError as error:
            raise PromotionRefused("candidate", f"the candidate cannot be used: {error}") from None
        backtest = figures.backtest(session, live, trial, pseudonyms)
        shadow = figures.shadow_report(session, live, trial, pseudonyms)
        made = _record(
            session,
            kind=PROMOTE,
            version=_keep(session, version, files, now),
            previous=_keep(session, previous, live_files, now),
            asker=asker,
            approver=approver,
            now=now,
            equality_note=note,
            backtest=backtest,
            shadow=shadow,
        )
        swap = swap_in(staging, live_dir, replaced=previous, now=now)
    except BaseException:
        discard(staging)
        raise
    _settle_with(session, swap, live.rulebook)
    log.info("ruleset %s promoted in place of %s", version[:12], previous[:12])
    return Made(made, version, previous, swap.kept)


def roll_back(
    session: Session,
    *,
    live: Vetter,
    asked_by: str,
    approved_by: str,
    reason: str,
    now: datetime,
) -> Made:
    """Undo the newest promotion not already rolled back: the version before it is restored
    from the files kept as data (the folder it replaced need not be there), signed off as a
    promotion is, with the reason; audited and recorded as a rollback."""
    asker, approver = sign_off(session, asked_by, approved_by)
    why = _text("reason", reason, "the reason for the rollback")
    live_dir = live.rulebook.directory
    undone = _to_undo(session)
    if undone is None:
        raise PromotionRefused("rollback", "nothing to roll back: no promotion is in force")
    made_live = session.get_one(RulesetVersion, undone.version_id)
    target = session.get_one(RulesetVersion, undone.previous_version_id)
    current = ruleset_version(live_dir) if live_dir.is_dir() else ""
    if current != made_live.version:
        raise PromotionRefused(
            "rules_dir",
            f"the live folder holds version {current[:12] or 'none'}, not {made_live.version[:12]} "
            "last made live: it was changed by hand; promote what it should hold first",
        )
    staging = stage(live_dir, files_of(session, target.version), target.version, now)
    try:
        try:
            Rulebook(live.rulebook.engine, staging)
        except RuleFileError as error:
            raise PromotionRefused(
                "rollback", f"version {target.version[:12]} no longer loads: {error}"
            ) from None
        earlier = session.scalar(
            select(RulesetPromotion.equality_note)
            .where(RulesetPromotion.version_id == target.id)
            .order_by(RulesetPromotion.id.desc())
            .limit(1)
        )
        made = _record(
            session,
            kind=ROLLBACK,
            version=target,
            previous=made_live,
            asker=asker,
            approver=approver,
            now=now,
            equality_note=earlier or "",
            reason=why,
            undoes=undone.id,
        )
        swap = swap_in(staging, live_dir, replaced=made_live.version, now=now)
    except BaseException:
        discard(staging)
        raise
    _settle_with(session, swap, live.rulebook)
    log.info("ruleset rolled back from %s to %s", made_live.version[:12], target.version[:12])
    return Made(made, target.version, made_live.version, swap.kept)


class Watch:
    """A running service's pass: when the live folder holds another version than the rulebook
    in use (promoted from the command line, say), reload it; a folder that does not check out
    is logged once and the ruleset in use stays."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self._refused: str | None = None

    def __call__(self, _now: datetime | None = None) -> bool:
        directory = self.rulebook.directory
        if not directory.is_dir():
            return False
        found = ruleset_version(directory)
        if found in (self.rulebook.current.version, self._refused):
            return False
        try:
            self.rulebook.reload()
        except RuleFileError as error:
            self._refused = found
            log.error("the live rules folder changed but cannot be used (kept in use): %s", error)
            return False
        self._refused = None
        log.info("ruleset %s now in use (the live folder changed)", found[:12])
        return True


def _person(session: Session, field: str, username: str) -> UserRecord:
    name = username.strip()
    if not name:
        raise PromotionRefused(field, "name the person (a username)")
    user = get_by_username(session, name)
    if user is None:
        raise PromotionRefused(field, f"no user {name!r}")
    if not user.active:
        raise PromotionRefused(field, f"{name!r} is not an active account")
    return user


def _text(field: str, text: str, what: str) -> str:
    kept = text.strip()
    if not kept:
        raise PromotionRefused(field, f"write {what}; it cannot be empty")
    if len(kept) > MAX_TEXT or "\0" in kept:
        raise PromotionRefused(field, f"at most {MAX_TEXT:,} characters of plain text")
    return kept


def _keep(session: Session, version: str, files: dict[str, str], now: datetime) -> RulesetVersion:
    """The version's row, with its files kept as data the first time it is seen."""
    kept = session.scalar(select(RulesetVersion).where(RulesetVersion.version == version))
    if kept is not None:
        return kept
    kept = RulesetVersion(version=version, kept_at=now)
    session.add(kept)
    session.flush()
    session.add_all(RulesetFile(version_id=kept.id, path=p, content=c) for p, c in files.items())
    return kept


def _record(
    session: Session,
    *,
    kind: str,
    version: RulesetVersion,
    previous: RulesetVersion,
    asker: UserRecord,
    approver: UserRecord,
    now: datetime,
    equality_note: str,
    reason: str | None = None,
    backtest: dict[str, Any] | None = None,
    shadow: dict[str, Any] | None = None,
    undoes: int | None = None,
) -> RulesetPromotion:
    row = RulesetPromotion(
        kind=kind,
        version_id=version.id,
        previous_version_id=previous.id,
        asked_by_id=asker.id,
        approved_by_id=approver.id,
        at=now,
        equality_note=equality_note,
        reason=reason,
        backtest=backtest,
        shadow=shadow,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        Actor.of(approver),
        f"{kind}_ruleset",
        record_type="ruleset_promotion",
        record_id=row.id,
        now=now,
        version=version.version,
        previous_version=previous.version,
        asked_by=asker.username,
        **({"undoes": undoes} if undoes is not None else {}),
    )
    return row


def _to_undo(session: Session) -> RulesetPromotion | None:
    """The newest promotion not already undone by a rollback (rollbacks undo, newest first)."""
    pending = 0
    for row in session.scalars(select(RulesetPromotion).order_by(RulesetPromotion.id.desc())):
        if row.kind == ROLLBACK:
            pending += 1
        elif pending:
            pending -= 1
        else:
            return row
    return None


def _settle_with(session: Session, swap: Swap, rulebook: Rulebook) -> None:
    """Tie the folder swap to the transaction: undone if it rolls back; once it commits, the
    rulebook reloads (a folder it cannot use is logged, the ruleset in use stays)."""
    settled: list[bool] = []

    def committed(_session: Session) -> None:
        if not settled:
            settled.append(True)
            try:
                rulebook.reload()
            except RuleFileError as error:
                log.error("the promoted rules could not be reloaded here: %s", error)

    def rolled_back(_session: Session) -> None:
        if not settled:
            settled.append(True)
            swap.undo()
            log.warning("the ruleset change was not recorded: the live folder was put back")

    event.listen(session, "after_commit", committed, once=True)
    event.listen(session, "after_rollback", rolled_back, once=True)
