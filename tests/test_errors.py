"""The one exception tree: every error raised on purpose is drawn in `triage/errors.py` and
carries its HTTP answer, so none can reach a user as a bare 500 by being left off a list."""

from __future__ import annotations

import inspect
import pkgutil

import triage
from triage import errors


def _every_triage_error() -> set[type[errors.TriageError]]:
    import importlib

    found = set()
    for module in pkgutil.walk_packages(triage.__path__, "triage."):
        if ".migrations" in module.name:
            continue
        loaded = importlib.import_module(module.name)
        for _name, value in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(value, errors.TriageError):
                found.add(value)
    return found


def test_every_error_class_is_defined_and_drawn_in_the_errors_module() -> None:
    tree = errors.__doc__ or ""
    for cls in _every_triage_error():
        assert cls.__module__ == "triage.errors", f"{cls.__name__} is defined in {cls.__module__}"
        assert cls.__name__ in tree, f"{cls.__name__} is not drawn in the tree"
        assert (cls.__doc__ and cls.__doc__.startswith("Raised when")) or cls is errors.TriageError


def test_each_error_answers_with_its_own_status() -> None:
    assert errors.RecordNotFound("notification", "X").status == 404
    assert errors.CaseworkRefused("level", "no").status == 422
    assert errors.QuarantineError("replayed").status == 409
    assert errors.TokenError("expired").status == 401
    assert errors.CaseworkRefused("level", "no").field_errors == [errors.FieldError("level", "no")]
