"""Bulk inserts of a push's fast path: Core's compiled INSERT, run by the driver's executemany.

A day's batch writes a few thousand rows (facts, their row history, the mutation log). Core's
executemany builds and converts a parameter dict per row, which cost more than the database's
own work here; this converts each column once with the same bind processors Core would use
and hands the driver plain tuples (or dicts, for drivers with named parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Select, Table, insert
from sqlalchemy.engine import Dialect

from server.models import UTCDateTime

Processor = Callable[[Any], Any] | None


@cache
def _plan(
    table: Table, dialect: Dialect, ready: frozenset[str]
) -> tuple[str, tuple[tuple[str, Processor, bool], ...], bool]:
    """The INSERT of every column of `table`: its SQL, and its parameters in order, each with
    its converter and whether equal values convert alike (times, flags: worth remembering)."""
    keys = tuple(column.key for column in table.columns)
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else keys
    assert set(names) == set(keys), "one parameter per column"
    params = []
    for name in names:
        kind = table.c[name].type
        convert = None if name in ready else kind.dialect_impl(dialect).bind_processor(dialect)
        params.append((name, convert, isinstance(kind, UTCDateTime | DateTime | Date | Boolean)))
    return str(compiled), tuple(params), bool(compiled.positional)


def insert_rows(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], ready: frozenset[str] = frozenset()
) -> None:
    """Insert rows that give a value (None included) for every column of `table`; the
    columns named in `ready` hold values already as the driver takes them (JSON text).

    Values are converted column by column; a batch's rows share their write time, so each
    distinct time is converted once.
    """
    if not rows:
        return
    sql, params, positional = _plan(table, conn.dialect, ready)
    columns = []
    for name, convert, plain in params:
        values = [row[name] for row in rows]
        if convert is not None:
            if plain:
                memo = {value: convert(value) for value in set(values)}
                values = [memo[value] for value in values]
            else:
                values = [convert(value) for value in values]
        columns.append(values)
    if positional:
        conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))
    else:
        names = [name for name, _convert, _plain in params]
        conn.exec_driver_sql(sql, [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)])


@cache
def _compiled(query: Select[Any], dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    compiled = query.compile(dialect=dialect)
    return str(compiled), tuple(compiled.positiontup or ()) if compiled.positional else None


def fetch(conn: Connection, query: Select[Any], params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """A hot query's rows as the driver's plain tuples: no result processing, so only for
    columns the driver already returns as wanted (text, numbers)."""
    sql, order = _compiled(query, conn.dialect)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, tuple(params[name] for name in order) if order is not None else dict(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()
