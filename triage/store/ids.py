"""Row ids handed out ahead of inserting, so a chunk's rows go to the store in a few batches.

A row whose id the database assigns must be inserted (and its id read back) before anything
that refers to it; a chunk of a thousand notifications would then cost thousands of round
trips. Taking ids first lets every row of a table go in one batched statement.

PostgreSQL: ids come from the column's own sequence, so they never collide with rows other
sessions insert (an id taken and not used is a gap, as after any rolled-back insert). SQLite:
one writer at a time; ids follow the largest held, and a writer that got in between makes the
insert fail on the primary key, which rolls the whole transaction back (never a wrong row).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.orm import Session

from triage.store.tables import Base


class Ids:
    """Ids for new rows of any table, for one transaction."""

    def __init__(self, session: Session, *, block: int = 64) -> None:
        self.session = session
        self.block = block
        self._pools: dict[str, list[int]] = defaultdict(list)
        self._after: dict[str, int] = {}  # SQLite: the last id given out, per table

    def take(self, kind: type[Base], count: int) -> list[int]:
        """`count` ids for new rows of the table `kind` is mapped to."""
        name = kind.__tablename__
        if count <= 0:
            return []
        if self.session.get_bind().dialect.name == "postgresql":
            rows = self.session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)"
                ),
                {"table": name, "count": count},
            )
            return [int(value) for (value,) in rows]
        if name not in self._after:  # a table name of ours, never input
            self._after[name] = int(
                self.session.scalar(text(f"SELECT coalesce(max(id), 0) FROM {name}")) or 0
            )
        start = self._after[name] + 1
        self._after[name] += count
        return list(range(start, start + count))

    def one(self, kind: type[Base]) -> int:
        """One id, taken from a block fetched ahead (ids left over at the end are gaps)."""
        pool = self._pools[kind.__tablename__]
        if not pool:
            pool.extend(reversed(self.take(kind, self.block)))
        return pool.pop()
