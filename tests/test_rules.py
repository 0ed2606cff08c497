"""Rule files: each rule's golden examples through the real engine, and clear refusals."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from triage.rules import RuleEngine, RuleEngineError, RuleFileError, load_ruleset
from triage.rules.book import Rulebook, example_fact, example_failures
from triage.rules.engine import record_fired

RULE_FILES = sorted((Path(__file__).resolve().parent.parent / "rules" / "catalogue").glob("*.yaml"))


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda p: p.stem)
def test_each_rule_passes_its_golden_examples(
    rule_file: Path, rules_dir: Path, engine: RuleEngine
) -> None:
    ruleset = load_ruleset(rules_dir)
    rule_id = yaml.safe_load(rule_file.read_text())["id"]
    failures = [f for f in example_failures(ruleset, engine) if f.rule.id == rule_id]
    assert failures == [], "\n".join(str(f) for f in failures)


def test_every_rule_states_its_source_and_rationale(rules_dir: Path) -> None:
    for rule in load_ruleset(rules_dir).rules:
        assert rule.spec.source.kind in {"guidance", "protocol", "local decision"}
        assert len(rule.spec.rationale) > 20


def test_the_version_changes_when_any_rule_file_changes(rules_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(rules_dir, tmp_path / "rules")
    before = load_ruleset(copy).version
    parameters = copy / "parameters.yaml"
    parameters.write_text(
        parameters.read_text().replace("long_episode_hours: 24", "long_episode_hours: 12")
    )
    assert load_ruleset(copy).version != before


def test_all_matching_rules_fire_in_order(rules_dir: Path, engine: RuleEngine) -> None:
    ruleset = load_ruleset(rules_dir)
    Rulebook(engine, rules_dir)
    fact = example_fact(
        {"age": 9, "looked_after": True, "legal_status": "looked_after", "hours_missing": 30}
    )
    fired = engine.evaluate(ruleset.engine_name, fact)
    assert {"R01", "R10", "R11", "R13", "R19"} <= set(fired)
    assert fired == sorted(fired)


def test_a_fact_no_rule_matches_is_simply_no_rules(engine: RuleEngine) -> None:
    engine.register("t_none", {"only": {"age": 99}}, ["only"])
    assert engine.evaluate("t_none", {"age": 5}) == []


def test_thousands_of_facts_matching_nothing_neither_crash_nor_leak_sessions(
    engine: RuleEngine,
) -> None:
    # The engine allows 1,024 live sessions and crashed deleting an unmatched fact's state.
    engine.register("t_many", {"only": {"age": 99}}, ["only"])
    answers = engine.evaluate_many("t_many", [{"age": k % 20} for k in range(3_000)])
    assert answers == [[]] * 3_000


def test_an_exception_in_an_action_is_raised_not_swallowed(engine: RuleEngine) -> None:
    def failing(rule_id: str):
        def action(c: Any) -> None:
            raise ValueError("the action broke")

        return action

    engine.register("t_failing", {"any": {"$gte": {"age": 0}}}, ["any"], action=failing)
    with pytest.raises(RuleEngineError, match="the action broke"):
        engine.evaluate("t_failing", {"age": 3})


def test_every_engine_call_runs_on_its_one_thread(engine: RuleEngine) -> None:
    threads: set[str] = set()

    def watching(rule_id: str):
        mark = record_fired(rule_id)

        def action(c: Any) -> None:
            threads.add(threading.current_thread().name)
            mark(c)

        return action

    engine.register("t_threads", {"any": {"$gte": {"age": 0}}}, ["any"], action=watching)
    callers = [
        threading.Thread(target=engine.evaluate, args=("t_threads", {"age": k})) for k in range(8)
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert len(threads) == 1 and next(iter(threads)).startswith("rule-engine")


# --- refusals ------------------------------------------------------------------------------------


def broken_copy(rules_dir: Path, tmp_path: Path, name: str, text: str) -> Path:
    copy = shutil.copytree(rules_dir, tmp_path / "rules")
    (copy / "catalogue" / name).write_text(text)
    return copy


RULE = """id: R99
title: A test rule
rationale: Written to check that bad rule files are refused clearly.
source: {{kind: local decision, reference: tests}}
when: {when}
effect: {{flags: [test]}}
examples:
  fires: [{{age: 9}}]
  does_not_fire: [{{age: 15}}]
"""


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("{$lt: {agee: 12}}", "unknown field 'agee'; did you mean 'age'?"),
        ("{$lesser: {age: 12}}", "unknown operator '$lesser'"),
        ("{$lt: {age: {$param: youngest}}}", "unknown parameter 'youngest'"),
        ("{$iany: {age: {$i: 3}}}", "needs a list field, and 'age' is not a list"),
    ],
)
def test_a_bad_condition_is_refused_naming_file_rule_and_problem(
    rules_dir: Path, tmp_path: Path, when: str, expected: str
) -> None:
    copy = broken_copy(rules_dir, tmp_path, "R99-test.yaml", RULE.format(when=when))
    with pytest.raises(RuleFileError) as caught:
        load_ruleset(copy)
    message = str(caught.value)
    assert "R99-test.yaml (rule R99): when: " in message
    assert expected in message


def test_bad_yaml_is_refused_naming_the_file(rules_dir: Path, tmp_path: Path) -> None:
    copy = broken_copy(rules_dir, tmp_path, "R99-test.yaml", "id: R99\nwhen: {unclosed\n")
    with pytest.raises(RuleFileError, match=r"R99-test.yaml: not valid YAML"):
        load_ruleset(copy)


def test_a_rule_without_golden_examples_is_refused(rules_dir: Path, tmp_path: Path) -> None:
    text = RULE.format(when="{$lt: {age: 12}}").split("examples:")[0]
    copy = broken_copy(rules_dir, tmp_path, "R99-test.yaml", text)
    with pytest.raises(RuleFileError, match=r"\(rule R99\): examples: required field is missing"):
        load_ruleset(copy)


def test_a_running_service_keeps_its_last_good_ruleset(
    rules_dir: Path, tmp_path: Path, engine: RuleEngine
) -> None:
    copy = shutil.copytree(rules_dir, tmp_path / "rules")
    book = Rulebook(engine, copy)
    good = book.current.version
    (copy / "catalogue" / "R99-test.yaml").write_text(RULE.format(when="{$lt: {agee: 12}}"))
    with pytest.raises(RuleFileError):
        book.reload()
    assert book.current.version == good


def test_a_ruleset_whose_examples_fail_does_not_go_live(
    rules_dir: Path, tmp_path: Path, engine: RuleEngine
) -> None:
    copy = shutil.copytree(rules_dir, tmp_path / "rules")
    book = Rulebook(engine, copy)
    good = book.current.version
    parameters = copy / "parameters.yaml"
    # An analyst raises the young-child age: R10's example of a 12-year-old now fires, wrongly.
    parameters.write_text(
        parameters.read_text().replace("young_child_age: 12", "young_child_age: 14")
    )
    with pytest.raises(RuleFileError, match=r"R10.*does_not_fire\[1\] should not fire"):
        book.reload()
    assert book.current.version == good


class _Answers:
    """The engine's host as it misbehaved in long runs: a code (0) instead of the session's
    state for the first `bad` facts, then its real answers."""

    def __init__(self, host: Any, bad: int) -> None:
        self.host, self.bad = host, bad

    def assert_fact(self, name: str, message: Any) -> Any:
        state = self.host.assert_fact(name, message)
        if self.bad:
            self.bad -= 1
            return 0
        return state

    def delete_state(self, name: str, sid: str) -> None:
        self.host.delete_state(name, sid)


def test_an_engine_answer_without_state_is_asked_again_then_refused(engine: RuleEngine) -> None:
    engine.register("t_stateless", {"young": {"$lt": {"age": 10}}}, ["young"])
    host = engine._host
    try:
        engine._host = _Answers(host, bad=1)  # type: ignore[assignment]
        assert engine.evaluate("t_stateless", {"age": 5}) == ["young"]
        engine._host = _Answers(host, bad=2)  # type: ignore[assignment]
        with pytest.raises(RuleEngineError, match="no state"):
            engine.evaluate("t_stateless", {"age": 5})
    finally:
        engine._host = host
