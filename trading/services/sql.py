"""The few statements the exchange runs on every order and fill, written once.

Building a query through the ORM costs several times more Python than running
it on the database (a few hundred microseconds each, measured on the order
route), and an order or a batch of fills needs about ten of them. These helpers
write the same SQL the ORM would, from the models' own fields and conversions
(so an :class:`~trading.amounts.AmountField` still refuses a 9th decimal), with
the statement text built once per model.

They run through :mod:`core.db`: on PostgreSQL bound on the server and
prepared, and several statements can share one round trip (:func:`core.db.pipeline`).

Callers own the transaction; nothing here opens one.
"""

import collections
import logging
import os
import threading
import uuid
from datetime import datetime
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

from core.db import Reading, execute_each, on_postgresql
from trading.amounts import PLACES, AmountField

logger = logging.getLogger(__name__)

_statements = {}


def _quote(name):
    return connection.ops.quote_name(name)


def _fields(model, with_pk):
    key = ("fields", model, with_pk)
    found = _statements.get(key)
    if found is None:
        found = [
            field
            for field in model._meta.concrete_fields
            if with_pk or not field.primary_key
        ]
        _statements[key] = found
    return found


def _to_units(value):
    if value is None or hasattr(value, "resolve_expression"):
        return value
    if not isinstance(value, Decimal):
        value = Decimal(str(value) if isinstance(value, float) else value)
    units = value.scaleb(PLACES)
    if units != units.to_integral_value():
        raise ValueError(f"{value} has more than {PLACES} decimals")
    return int(units)


def _as_is(value):
    return value


def _preparer(field):
    """How a value of ``field`` becomes a query parameter: the field's own
    conversion, short-cut for the kinds that need none (or only ours)."""
    native = on_postgresql()
    key = ("prep", field, native)
    found = _statements.get(key)
    if found is not None:
        return found
    target = field.target_field if field.is_relation else field
    if isinstance(target, AmountField):
        found = _to_units
    elif isinstance(
        target, models.CharField | models.BooleanField | models.BigAutoField
    ) or (type(target) is models.BigIntegerField):
        found = _as_is
    elif native and isinstance(target, models.UUIDField | models.DateTimeField):
        # PostgreSQL takes a UUID or an aware datetime as it is; anything else
        # goes through the field's conversion.
        kind = uuid.UUID if isinstance(target, models.UUIDField) else datetime

        def found(value, field=field, kind=kind):
            if value is None or (
                type(value) is kind and (kind is uuid.UUID or value.tzinfo)
            ):
                return value
            return field.get_db_prep_save(value, connection)

    else:

        def found(value, field=field):
            return field.get_db_prep_save(value, connection)

    _statements[key] = found
    return found


def _row_maker(name, fields, adding):
    """A function of ``(obj, stamp)`` answering ``fields`` of ``obj`` as the
    database takes them: the ORM's conversions, worked out once per ``name``
    (which stands for the model and its list of fields)."""
    key = ("row", name, adding, on_postgresql())
    found = _statements.get(key)
    if found is not None:
        return found
    columns = []
    for field in fields:
        if getattr(field, "auto_now", False):
            stamping = "always"
        elif adding and getattr(field, "auto_now_add", False):
            stamping = "unset"
        else:
            stamping = None
        columns.append((field, field.attname, _preparer(field), stamping))

    def found(obj, stamp):
        values = []
        for field, attname, prepare, stamping in columns:
            if field.is_relation and field.is_cached(obj):
                # An instance assigned before it had a primary key (a fill, a
                # new position): take its key now that it has one.
                related = field.get_cached_value(obj)
                setattr(obj, attname, None if related is None else related.pk)
            value = getattr(obj, attname)
            if stamping == "always" or (stamping == "unset" and value is None):
                value = stamp
                setattr(obj, attname, value)
            values.append(prepare(value))
        return values

    _statements[key] = found
    return found


# Rows per multi-row statement: off PostgreSQL at most ROWS_PER_INSERT (the
# driver's parsing of the statement text grows faster than its length); on
# PostgreSQL in chunks of these sizes, so that a connection prepares a few
# statements per table and kind, not one per number of rows.
ROWS_PER_INSERT = 50
CHUNK_SIZES = (64, 32, 16, 8, 4, 2, 1)


def _flat(rows):
    """The parameters of a multi-row statement: its rows' values in order."""
    return [value for values in rows for value in values]


def _chunks(rows):
    """``rows`` cut into consecutive chunks of CHUNK_SIZES, largest first."""
    start = 0
    for size in CHUNK_SIZES:
        while len(rows) - start >= size:
            yield rows[start : start + size]
            start += size


def _insert_statement(model, fields, returning_ids, count):
    """``INSERT INTO t (...) VALUES (%s, ...), ...`` of ``count`` rows."""
    key = ("insert", model, returning_ids, count)
    found = _statements.get(key)
    if found is None:
        names = ", ".join(_quote(field.column) for field in fields)
        rows = ", ".join([f"({placeholders(fields)})"] * count)
        returning = (
            f" RETURNING {_quote(model._meta.pk.column)}" if returning_ids else ""
        )
        found = _statements[key] = (
            f"INSERT INTO {_quote(model._meta.db_table)} ({names})"
            f" VALUES {rows}{returning}"
        )
    return found


def insert(model, objs, *, returning_ids=False):
    """INSERT ``objs`` in multi-row statements; on PostgreSQL all of them in one
    round trip.

    With ``returning_ids`` the objects get their auto-incremented keys: on
    PostgreSQL taken from the sequence beforehand (:class:`KeyBlocks`), so that
    later statements of the same round trip can name them; elsewhere read back.
    """
    if not objs:
        return
    stamp = timezone.now()
    native = on_postgresql()
    # A UUID key is ours; an auto-incremented one is the database's to give:
    # taken from its sequence here on PostgreSQL, read back elsewhere.
    auto = returning_ids and model._meta.auto_field is not None
    from_blocks, reading = auto and native, auto and not native
    if from_blocks:
        attname = model._meta.pk.attname
        unkeyed = [obj for obj in objs if getattr(obj, attname) is None]
        keys = key_blocks(model).take(len(unkeyed))
        for obj, key in zip(unkeyed, keys, strict=True):
            setattr(obj, attname, key)
    keyed = model._meta.auto_field is None or from_blocks
    fields = _fields(model, with_pk=keyed)
    make = _row_maker((model, "insert", keyed), fields, adding=True)
    rows = [make(obj, stamp) for obj in objs]
    if native:
        chunks = list(_chunks(rows))
    else:
        chunks = [
            rows[start : start + ROWS_PER_INSERT]
            for start in range(0, len(rows), ROWS_PER_INSERT)
        ]
    found = execute_each(
        [
            (
                _insert_statement(model, fields, reading, len(chunk)),
                _flat(chunk),
            )
            for chunk in chunks
        ],
        returning=reading,
    )
    if reading:
        # One statement numbers its rows in their order, and later statements
        # after earlier ones: the keys sorted are the rows' keys in order.
        found.sort()
        attname = model._meta.pk.attname
        for obj, (value,) in zip(objs, found, strict=True):
            setattr(obj, attname, value)
    for obj in objs:
        obj._state.adding = False


class KeyBlocks:
    """Keys of one model's auto-incremented primary key, taken from its
    PostgreSQL sequence a block at a time and handed out in order.

    A row whose key is known before it is written can be named by the rows
    written after it in the same round trip (a fill by its ledger entries),
    where ``RETURNING`` would make the writer wait for it. The sequence never
    gives a key twice, whichever process or transaction asks, so keys taken
    and not used (a rolled-back order, a process that ends) are only gaps, as
    a rolled-back insert leaves. Threads of a process share its blocks; a
    forked child starts with none of its parent's.
    """

    BLOCK = 256
    STATEMENT = (
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
    )

    def __init__(self, model):
        self.model = model
        self.free = collections.deque()
        self.mutex = threading.Lock()

    def take(self, count):
        with self.mutex:
            if len(self.free) < count:
                self.free.extend(self._fetch(max(self.BLOCK, count)))
            return [self.free.popleft() for _ in range(count)]

    def _fetch(self, count):
        params = [self.model._meta.db_table, self.model._meta.pk.column, count]
        rows = Reading(self.STATEMENT, params).rows()
        logger.debug("Took %d keys of %s", len(rows), self.model._meta.label)
        return [key for (key,) in rows]

    def forget(self):
        self.free = collections.deque()
        self.mutex = threading.Lock()


_key_blocks = {}
_key_blocks_mutex = threading.Lock()


def key_blocks(model):
    """The process's :class:`KeyBlocks` of ``model``."""
    found = _key_blocks.get(model)
    if found is None:
        with _key_blocks_mutex:
            found = _key_blocks.setdefault(model, KeyBlocks(model))
    return found


def _forget_key_blocks():
    for blocks in _key_blocks.values():
        blocks.forget()


# A child shares nothing it could hand out twice with its parent.
os.register_at_fork(after_in_child=_forget_key_blocks)


def update(model, objs, names=None):
    """UPDATE each of ``objs`` by primary key: the fields ``names`` (every field
    by default), plus any ``auto_now`` field; one round trip for all rows, in
    multi-row statements on PostgreSQL."""
    if not objs:
        return
    key = ("update", model, tuple(names) if names else None)
    found = _statements.get(key)
    if found is None:
        fields = [
            field
            for field in _fields(model, with_pk=False)
            if names is None or field.name in names or getattr(field, "auto_now", False)
        ]
        statement = (
            f"UPDATE {_quote(model._meta.db_table)} SET "
            + ", ".join(f"{_quote(field.column)} = %s" for field in fields)
            + f" WHERE {_quote(model._meta.pk.column)} = %s"
        )
        found = _statements[key] = (fields, statement)
    fields, statement = found
    stamp = timezone.now()
    make = _row_maker(key, [*fields, model._meta.pk], adding=False)
    rows = [make(obj, stamp) for obj in objs]
    if not on_postgresql():
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)
        return
    execute_each(
        [
            (
                _update_from_values(key, model, fields, len(chunk)),
                _flat(chunk),
            )
            for chunk in _chunks(rows)
        ]
    )


def _update_from_values(key, model, fields, count):
    """PostgreSQL's UPDATE of ``count`` rows from a VALUES list: the columns
    ``fields`` then the primary key, typed by casts on the first row."""
    statement_key = (*key, count)
    found = _statements.get(statement_key)
    if found is None:
        columns = [*fields, model._meta.pk]
        first = ", ".join(f"%s::{field.cast_db_type(connection)}" for field in columns)
        rows = ", ".join([f"({first})"] + [f"({placeholders(columns)})"] * (count - 1))
        names = ", ".join(f"c{index}" for index in range(len(columns)))
        sets = ", ".join(
            f"{_quote(field.column)} = v.c{index}" for index, field in enumerate(fields)
        )
        found = _statements[statement_key] = (
            f"UPDATE {_quote(model._meta.db_table)} AS t SET {sets}"
            f" FROM (VALUES {rows}) AS v({names})"
            f" WHERE t.{_quote(model._meta.pk.column)} = v.c{len(fields)}"
        )
    return found


def for_update(of=None):
    """The row-lock clause of this database ('' on SQLite, whose write
    transactions are exclusive: BEGIN IMMEDIATE)."""
    features = connection.features
    if not features.has_select_for_update:
        return ""
    if of and features.has_select_for_update_of:
        return f" FOR UPDATE OF {of}"
    return " FOR UPDATE"


def placeholders(values):
    return ", ".join(["%s"] * len(values))
