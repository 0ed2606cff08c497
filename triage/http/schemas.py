"""Shapes every slice of the API shares: a page of results, and the examples' helpers. Each
domain keeps its own request and response models beside its routes (`<domain>/schemas.py`)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, get_args

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")
WHEN = "2026-03-15T09:12:00Z"
REF = "WMP-26-000131"


def example(**values: Any) -> ConfigDict:
    """A model's example, shown in the OpenAPI document (a test checks every model has one)."""
    return ConfigDict(json_schema_extra={"examples": [values]})


def _page_example(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """A page's example: one item, taken from the item type's own example."""
    (item,) = get_args(cls.model_fields["items"].annotation)
    extra = getattr(item, "model_config", {}).get("json_schema_extra") or {}
    examples = extra.get("examples") if isinstance(extra, dict) else None
    if examples:
        schema["examples"] = [{"items": examples[:1], "page": 1, "per_page": 50, "total": 1}]


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total that match."""

    model_config = ConfigDict(json_schema_extra=_page_example)

    items: list[T]
    page: int
    per_page: int
    total: int
