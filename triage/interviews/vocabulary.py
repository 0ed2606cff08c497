"""The controlled lists of a return home interview: push and pull factors and harms are data
(`rules/data/rhi_factors.yaml`); how an interview is offered and held, who declines and which
referrals can arise are fixed by the statutory guidance and the reports, so they are here.
Each code has the words a worker reads."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from triage.errors import RuleFileError

FACTORS_FILE = Path("data") / "rhi_factors.yaml"
LISTS = ("push_factors", "pull_factors", "harms")

OFFERED_HOW = {
    "in_person": "In person",
    "telephone": "By telephone",
    "letter": "By letter",
    "text_message": "By text message",
    "through_carer": "Through the carer or social worker",
}
DECLINED_BY = {"child": "The child", "parent": "A parent", "carer": "The carer"}
HELD_HOW = {"face_to_face": "Face to face", "telephone": "By telephone"}
REFERRALS = {
    "cass_referral": "Referral to CASS (Children's Advice and Support Service)",
    "step_up_family_support": "Stepped up from family support",
    "strategy_discussion_s47": "Strategy discussion / section 47 enquiry",
}
STATUSES = {
    "open": "Not yet offered",
    "offered": "Offered",
    "held": "Held",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
}
WITHDRAWN_WHY = {  # why a task was withdrawn (`triage.interviews.follow.why_not`)
    "reclassified_absent": "The episode is now recorded as absent, not missing: no interview "
    "is needed",
    "another_authority": "The child was found to be another authority's: their home authority "
    "offers the interview",
    "no_longer_asked": "The newest decision on the episode no longer asks for an interview",
}


@dataclass(frozen=True)
class FactorLists:
    """Push factors, pull factors and harms: code -> words, in the file's order."""

    push_factors: dict[str, str]
    pull_factors: dict[str, str]
    harms: dict[str, str]

    def of(self, name: str) -> dict[str, str]:
        found: dict[str, str] = getattr(self, name)
        return found

    def words(self, name: str, code: str) -> str:
        return self.of(name).get(code, code.replace("_", " "))


@lru_cache(maxsize=8)
def factor_lists(rules_dir: Path) -> FactorLists:
    """The lists in `rules_dir`; a file that is not three mappings of codes to words is refused
    with its name and the problem."""
    path = rules_dir / FACTORS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleFileError(path, None, "file is missing") from None
    except yaml.YAMLError as exc:
        raise RuleFileError(path, None, f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RuleFileError(path, None, f"must be a mapping with {', '.join(LISTS)}")
    lists = {}
    for name in LISTS:
        entries = data.get(name)
        if not isinstance(entries, dict) or not entries:
            raise RuleFileError(path, None, f"{name}: a mapping of codes to words is needed")
        lists[name] = {str(code): str(words) for code, words in entries.items()}
    return FactorLists(**lists)
