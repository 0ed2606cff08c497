"""Rule files: reading, checking and versioning the rules in `rules/`.

Each rule is one YAML file in `rules/catalogue/`: an id, a title, its rationale and source, its
effect, its condition (`when`, in durable-rules' own JSON condition syntax over the fields in
`triage/rules/fields.py`) and golden examples it must and must not fire on. Thresholds are named
in `rules/parameters.yaml` and used in conditions and actions' hours as `{$param: name}`. A file
that does not check out is refused with a message naming the file, the rule and the problem.
The ruleset's version is a hash of every file under `rules/`, so any edit is a new version.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.decisions.models import Action
from triage.errors import RuleFileError
from triage.notification.vocabulary import Indicator, RiskGrade
from triage.rules.fields import FACT_FIELDS

DEFAULT_RULES_DIR = Path("rules")
LOGICAL = {"$and", "$or"}
COMPARISONS = {"$lt", "$lte", "$gt", "$gte", "$neq", "$ex", "$nex", "$mt", "$imt"}
ARRAYS = {"$iany", "$iall"}
ITEM = "$i"
PARAM = "$param"


ActionType = Literal[
    "return_home_interview",
    "strategy_discussion",
    "mase_referral",
    "notify_responsible_authority",
    "review_linked_children",
    "inform_senior_manager",
]

ESCALATION = "escalation"  # the `rule_id` of the action that tells a senior manager of a high
OUT_OF_AREA = "OUT-OF-AREA"  # the row of teams.csv naming the team for children placed away


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ActionSpec(_Strict):
    type: ActionType
    due_hours: float = Field(ge=0)
    due_from: Literal["vetting", "returned_at", "last_seen_at"] = Field(alias="from")
    only_if_vetted_missing: bool = False


class Effect(_Strict):
    minimum_level: RiskGrade | Literal["police_grade"] | None = None
    flags: list[str] = Field(default_factory=list)
    reclassify_as_missing: bool = False
    route_to_responsible_authority: bool = False
    actions: list[ActionSpec] = Field(default_factory=list)


class Escalation(_Strict):
    """What happens when the level in force becomes high (`rules/data/escalation.yaml`)."""

    level: RiskGrade = RiskGrade.HIGH
    action: ActionType = "inform_senior_manager"
    role: str = Field(min_length=3, description="the role that receives the action")
    due_hours: float = Field(ge=0)

    def action_from(self, since: datetime) -> Action:
        """The action a high level in force carries, due from the moment it became high."""
        return Action(
            type=self.action,
            due_at=since + timedelta(hours=self.due_hours),
            rule_id=ESCALATION,
            role=self.role,
        )


@dataclass(frozen=True, slots=True)
class HourThreshold:
    """A number of hours missing that some rule compares `hours_missing` with: when an open
    episode passes it, the service vets the episode again."""

    hours: float
    strict: bool  # `$gt`: the rule fires only once the hours are passed, not at them

    @property
    def label(self) -> str:
        return f"still missing at {self.hours:g} hours"


class Source(_Strict):
    kind: Literal["guidance", "protocol", "local decision"]
    reference: str = Field(min_length=3)


class Examples(_Strict):
    fires: list[dict[str, Any]] = Field(min_length=1)
    does_not_fire: list[dict[str, Any]] = Field(min_length=1)


class RuleSpec(_Strict):
    id: str = Field(pattern=r"^R\d{2,3}$")
    title: str = Field(min_length=3)
    rationale: str = Field(min_length=3)
    source: Source
    when: dict[str, Any]
    effect: Effect
    examples: Examples


@dataclass(frozen=True, eq=False)
class Rule:
    """A checked rule: its spec, its condition with parameters filled in, the fields it tests.

    Compared and hashed by identity: each loaded ruleset has its own rule objects."""

    spec: RuleSpec
    condition: dict[str, Any]
    fields: tuple[str, ...]
    path: str

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class Ruleset:
    version: str
    rules: tuple[Rule, ...]
    parameters: dict[str, Any]
    suggestible: tuple[Indicator, ...]  # indicators the free text can suggest, in file order
    teams: dict[str, str]
    text_pattern: re.Pattern[str]  # every suggestion word, one named group per indicator
    escalation: Escalation

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {rule.id: rule for rule in self.rules})

    @property
    def out_of_area_team(self) -> str | None:
        """The team for this authority's looked-after children placed outside its area."""
        return self.teams.get(OUT_OF_AREA)

    @property
    def hour_thresholds(self) -> tuple[HourThreshold, ...]:
        """Every `hours_missing` threshold in the rules, lowest first."""
        found: set[HourThreshold] = set()
        for rule in self.rules:
            _hour_thresholds(rule.condition, found)
        return tuple(sorted(found, key=lambda t: (t.hours, t.strict)))

    @property
    def engine_name(self) -> str:
        return f"triage_{self.version[:16]}"

    def rule(self, rule_id: str) -> Rule:
        by_id: dict[str, Rule] = self._by_id  # type: ignore[attr-defined]
        return by_id[rule_id]


def _hour_thresholds(node: Any, found: set[HourThreshold]) -> None:
    if isinstance(node, list):
        for item in node:
            _hour_thresholds(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("$gt", "$gte") and isinstance(value, dict):
                hours = value.get("hours_missing")
                if isinstance(hours, int | float) and not isinstance(hours, bool):
                    found.add(HourThreshold(float(hours), strict=key == "$gt"))
            else:
                _hour_thresholds(value, found)


def ruleset_version(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(
        p for p in directory.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml", ".csv"}
    ):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_ruleset(directory: Path = DEFAULT_RULES_DIR) -> Ruleset:
    """Read and check every file under `directory`; raise RuleFileError on the first problem."""
    if not directory.is_dir():
        raise RuleFileError(directory, None, "no such rules folder")
    parameters = _parameters(directory / "parameters.yaml")
    rules = []
    seen: dict[str, str] = {}
    for path in sorted((directory / "catalogue").glob("*.y*ml")):
        rule = _rule(path, parameters)
        if rule.id in seen:
            raise RuleFileError(path, rule.id, f"rule id {rule.id} is also used by {seen[rule.id]}")
        seen[rule.id] = str(path)
        rules.append(rule)
    if not rules:
        raise RuleFileError(directory / "catalogue", None, "no rule files found")
    suggestible, text_pattern = _text_suggestions(directory / "data" / "text-suggestions.yaml")
    return Ruleset(
        version=ruleset_version(directory),
        rules=tuple(rules),
        parameters=parameters,
        suggestible=suggestible,
        teams=_teams(directory / "data" / "teams.csv"),
        text_pattern=text_pattern,
        escalation=_escalation(directory / "data" / "escalation.yaml"),
    )


def _escalation(path: Path) -> Escalation:
    from triage.accounts.roles import Role  # the roles are the accounts' vocabulary

    try:
        escalation = Escalation.model_validate(_yaml(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        raise RuleFileError(path, None, f"{where}: {first['msg']}") from None
    if escalation.role not in {role.value for role in Role}:
        known = ", ".join(role.value for role in Role)
        raise RuleFileError(path, None, f"role: {escalation.role!r} is not a role; one of {known}")
    return escalation


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuleFileError(path, None, "file is missing") from None
    except yaml.YAMLError as exc:
        raise RuleFileError(path, None, f"not valid YAML: {exc}") from None


def _parameters(path: Path) -> dict[str, Any]:
    data = _yaml(path)
    if not isinstance(data, dict) or not all(
        isinstance(v, int | float | bool) for v in data.values()
    ):
        raise RuleFileError(
            path, None, "parameters must be a mapping of names to numbers or true/false"
        )
    return data


def _rule(path: Path, parameters: dict[str, Any]) -> Rule:
    data = _yaml(path)
    rule_id = data.get("id") if isinstance(data, dict) else None
    for action in (data.get("effect") or {}).get("actions") or [] if rule_id else []:
        if isinstance(action, dict) and isinstance(hours := action.get("due_hours"), dict):
            action["due_hours"] = parameters.get(str(hours.get(PARAM)), hours)  # {$param: name}
    try:
        spec = RuleSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        problem = "required field is missing" if first["type"] == "missing" else first["msg"]
        raise RuleFileError(path, rule_id, f"{where}: {problem}") from None
    checker = _ConditionChecker(path, spec.id, parameters)
    condition = checker.check(spec.when)
    for kind in ("fires", "does_not_fire"):
        for number, example in enumerate(getattr(spec.examples, kind), start=1):
            unknown = sorted(set(example) - set(FACT_FIELDS))
            if unknown:
                raise RuleFileError(
                    path,
                    spec.id,
                    f"examples.{kind}[{number}]: unknown field {unknown[0]!r}{_hint(unknown[0])}",
                )
    return Rule(spec, condition, tuple(sorted(checker.fields)), str(path))


def _hint(name: str) -> str:
    from triage.notification.fields import nearest

    suggestion = nearest(name, list(FACT_FIELDS))
    return f"; did you mean {suggestion!r}?" if suggestion else ""


class _ConditionChecker:
    """Walks a durable-rules condition, checking operators and fields, filling in parameters."""

    def __init__(self, path: Path, rule_id: str, parameters: dict[str, Any]) -> None:
        self.path, self.rule_id, self.parameters = path, rule_id, parameters
        self.fields: set[str] = set()

    def fail(self, problem: str) -> RuleFileError:
        return RuleFileError(self.path, self.rule_id, f"when: {problem}")

    def check(self, node: Any, item: bool = False) -> dict[str, Any]:
        if not isinstance(node, dict) or not node:
            raise self.fail(f"a condition must be a non-empty mapping, not {node!r}")
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in LOGICAL:
                if not isinstance(value, list) or not value:
                    raise self.fail(f"{key} takes a non-empty list of conditions")
                out[key] = [self.check(part, item) for part in value]
            elif key in COMPARISONS:
                out[key] = self._comparison(key, value, item)
            elif key in ARRAYS:
                out[key] = self._array(key, value)
            elif key.startswith("$") and not (item and key == ITEM):
                known = ", ".join(sorted(LOGICAL | COMPARISONS | ARRAYS))
                raise self.fail(f"unknown operator {key!r} (known: {known})")
            else:
                self._field(key, item)
                out[key] = self._value(key, value)
        return out

    def _comparison(self, operator: str, value: Any, item: bool) -> dict[str, Any]:
        if not isinstance(value, dict) or len(value) != 1:
            raise self.fail(
                f"{operator} takes one field and a value, like {{{operator}: {{age: 12}}}}"
            )
        [(name, operand)] = value.items()
        self._field(name, item)
        return {name: self._value(name, operand)}

    def _array(self, operator: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or len(value) != 1:
            raise self.fail(f"{operator} takes one list field and a condition on its items ($i)")
        [(name, condition)] = value.items()
        self._field(name, item=False)
        if FACT_FIELDS[name][0] is not list:
            raise self.fail(f"{operator} needs a list field, and {name!r} is not a list")
        return {name: self.check(condition, item=True)}

    def _field(self, name: str, item: bool) -> None:
        if item and name == ITEM:
            return
        if name not in FACT_FIELDS:
            raise self.fail(f"unknown field {name!r}{_hint(name)}")
        self.fields.add(name)

    def _value(self, name: str, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {PARAM}:
            param = value[PARAM]
            if param not in self.parameters:
                raise self.fail(
                    f"unknown parameter {param!r}; parameters.yaml names {sorted(self.parameters)}"
                )
            return self.parameters[param]
        if isinstance(value, dict | list):
            raise self.fail(
                f"the value for {name!r} must be a number, text, true/false or {{$param: name}}"
            )
        return value


def _text_suggestions(path: Path) -> tuple[tuple[Indicator, ...], re.Pattern[str]]:
    """The indicators the free text can suggest (in file order) and one pattern for them all:
    a named group per indicator, whole words only, so the text is scanned once."""
    data = _yaml(path)
    if not isinstance(data, dict):
        raise RuleFileError(path, None, "must map indicator codes to lists of words")
    groups = []
    for code, words in data.items():
        if code not in Indicator.__members__.values():
            raise RuleFileError(path, None, f"unknown indicator code {code!r}")
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise RuleFileError(path, None, f"{code}: must be a list of words")
        alternatives = "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True))
        groups.append(f"(?P<{code}>{alternatives})")
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(groups)})(?!\w)", re.IGNORECASE)
    return tuple(Indicator(code) for code in data), pattern


def _teams(path: Path) -> dict[str, str]:
    try:
        lines = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")
        ]
    except FileNotFoundError:
        raise RuleFileError(path, None, "file is missing") from None
    teams = {}
    for number, row in enumerate(csv.DictReader(lines), start=2):
        district, team = (
            (row.get("district") or "").strip().upper(),
            (row.get("team") or "").strip(),
        )
        if not district or not team:
            raise RuleFileError(path, None, f"line {number}: needs a district and a team")
        teams[district] = team
    return teams
