"""The one door to durable-rules. Nothing else in the code imports the engine.

What the engine does that surprises (measured; see shared/notes/durable-rules.md), and how this
adapter answers it:
- `post` fires one rule only, so every evaluation is `assert_fact`: all matching rules fire.
- A fact that matches no rule raises MessageNotHandledException, and deleting that session's
  state afterwards crashes the process (measured here: a segmentation fault, every time). So
  every ruleset gets one more rule, `_evaluated`, that every fact matches; it is left out of
  the answer, and "no rule fired" is simply an empty list.
- An exception in an action is swallowed into the state: we read it back and raise it.
- The action does not say which rule fired: each rule gets its own small callable that records
  its id in the session state.
- Rules on `m` also see the state fact: every condition is wrapped with `kind == "notification"`.
- A ruleset name can be registered once per process: each ruleset version has its own name.
- Not thread-safe, and per-session state can collide: one dedicated thread makes every call,
  with a fresh session id per evaluation, deleted straight after. No per-child state lives here.
  The C core's state is global to the process, so that thread is the process's, shared by every
  RuleEngine: two engines calling from two threads corrupted it (seen as a ruleset refused
  with "error code: 102" after a service's background re-vetting ran beside a test's engine).
- The Host's background timer threads are never started (`_run` does nothing).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from durable.engine import Host, MessageNotHandledException

from triage.errors import RuleEngineError

log = logging.getLogger(__name__)

FACT_KIND = "notification"
_FIRED = "fired_"
_EVALUATED = "_evaluated"
T = TypeVar("T")


class _QuietHost(Host):
    def _run(self) -> None:
        """Start no background threads: timers are not used, and threads made it unsafe."""


_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rule-engine")


class RuleEngine:
    """Evaluates facts against registered rulesets, every call on the process's engine thread."""

    def __init__(self) -> None:
        self._closed = False
        self._host: Host = self._call(_QuietHost)
        self._sessions = itertools.count(1)
        self._orders: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def _call(self, function: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise RuleEngineError("the rules engine is closed")
        return _THREAD.submit(function, *args).result()

    def register(
        self,
        name: str,
        conditions: Mapping[str, Mapping[str, Any]],
        order: Sequence[str],
        *,
        action: Callable[[str], Callable[[Any], None]] | None = None,
    ) -> None:
        """Register a ruleset: rule id -> one fact condition (durable-rules JSON syntax).

        `order` gives each rule's priority (first fires first). Registering a name twice is a
        no-op, since the name carries the ruleset's content hash. `action` makes each rule's
        action from its id (the default records that the rule fired).
        """
        make_action = action or record_fired
        with self._lock:
            if name in self._orders:
                return
            definition = {
                rule_id: {
                    "all": [{"m": {"$and": [{"kind": FACT_KIND}, dict(conditions[rule_id])]}}],
                    "pri": order.index(rule_id) + 1,
                    "run": make_action(rule_id),
                }
                for rule_id in order
            }
            definition[_EVALUATED] = {
                "all": [{"m": {"kind": FACT_KIND}}],
                "pri": len(order) + 1,
                "run": record_fired(_EVALUATED),
            }
            try:
                self._call(self._host.set_rulesets, {name: definition})
            except Exception as exc:  # the C core raises a bare Exception with an error code
                raise RuleEngineError(f"the rules engine refused ruleset {name}: {exc}") from exc
            self._orders[name] = list(order)

    def evaluate(self, name: str, fact: Mapping[str, Any]) -> list[str]:
        """The ids of every rule the fact matches, in priority order."""
        return self._call(self._evaluate, name, fact)

    def evaluate_many(self, name: str, facts: Sequence[Mapping[str, Any]]) -> list[list[str]]:
        """`evaluate` for many facts in one hop to the engine thread (for batches)."""
        return self._call(lambda: [self._evaluate(name, fact) for fact in facts])

    def _evaluate(self, name: str, fact: Mapping[str, Any]) -> list[str]:
        state = self._assert(name, fact)
        if not isinstance(state, dict):
            # Seen rarely in long test runs: the C core answers a code (0) instead of the
            # session's state, as if the fact had been deferred. Evaluation is stateless, so
            # the fact is asked again in a fresh session; twice is a fault, never "no rule".
            log.warning("the rules engine gave no state for ruleset %s: asking again", name)
            state = self._assert(name, fact)
            if not isinstance(state, dict):
                raise RuleEngineError(f"the rules engine gave no state for ruleset {name}")
        if "exception" in state:
            raise RuleEngineError(f"a rule action failed in {name}: {state['exception']}")
        fired = {key[len(_FIRED) :] for key in state if key.startswith(_FIRED)}
        return [rule_id for rule_id in self._orders[name] if rule_id in fired]

    def _assert(self, name: str, fact: Mapping[str, Any]) -> Any:
        sid = str(next(self._sessions))
        message = {**fact, "sid": sid, "kind": FACT_KIND}
        try:
            return self._host.assert_fact(name, message)
        except MessageNotHandledException as exc:  # `_evaluated` matches every fact
            raise RuleEngineError(f"ruleset {name} did not take the fact") from exc
        finally:
            self._host.delete_state(name, sid)

    def close(self) -> None:
        """Refuse further calls. The thread stays: it is the process's, shared by every engine."""
        self._closed = True


def record_fired(rule_id: str) -> Callable[[Any], None]:
    key = _FIRED + rule_id

    def record(c: Any) -> None:
        c.s[key] = True

    return record
