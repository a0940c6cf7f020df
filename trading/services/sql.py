"""The few statements the exchange runs on every order and fill, written once.

Building a query through the ORM costs several times more Python than running
it on the database (a few hundred microseconds each, measured on the order
route), and an order or a batch of fills needs about ten of them. These helpers
write the same SQL the ORM would, from the models' own fields and conversions
(so an :class:`~trading.amounts.AmountField` still refuses a 9th decimal), with
the statement text built once per model.

On PostgreSQL they bind parameters on the server, so psycopg converts them in C
and the server keeps each statement prepared (parsed and planned once per
connection), and several statements can share one round trip
(:func:`pipeline`). Elsewhere they go through Django's cursor.

Callers own the transaction; nothing here opens one.
"""

import contextlib
import logging
import time
from decimal import Decimal

import psycopg
from django.db import connection, models
from django.utils import timezone

from trading.amounts import PLACES, AmountField

logger = logging.getLogger(__name__)

# Rows per multi-row INSERT ... RETURNING: the driver's parsing of the statement
# text grows faster than its length.
ROWS_PER_INSERT = 50

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
    found = _statements.get(("prep", field))
    if found is None:
        if isinstance(field, AmountField):
            found = _to_units
        elif isinstance(
            field, models.CharField | models.BooleanField | models.BigAutoField
        ) or (type(field) is models.BigIntegerField):
            found = _as_is
        else:

            def found(value, field=field):
                return field.get_db_prep_save(value, connection)

        _statements[("prep", field)] = found
    return found


def _value(field, obj, stamp, adding):
    """``field`` of ``obj`` as the database takes it (the ORM's conversions)."""
    if field.is_relation and field.is_cached(obj):
        # An instance assigned before it had a primary key (a fill, a new
        # position): take its key now that it has one.
        related = field.get_cached_value(obj)
        setattr(obj, field.attname, None if related is None else related.pk)
    value = getattr(obj, field.attname)
    if getattr(field, "auto_now", False) or (
        adding and getattr(field, "auto_now_add", False) and value is None
    ):
        value = stamp
        setattr(obj, field.attname, value)
    return _preparer(field)(value)


def _on_postgresql():
    return connection.vendor == "postgresql"


def _server_cursor():
    """A psycopg cursor that binds on the server, on Django's connection (which
    binds on the client for the ORM's sake)."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _logged(statement, count, started):
    # Django's query log (DEBUG, CaptureQueriesContext) sees these statements
    # too: one entry per call, which sends all its parameter rows at once.
    if connection.queries_logged:
        if count > 1:
            statement = f"{statement} -- {count} parameter rows"
        took = f"{time.monotonic() - started:.3f}"
        connection.queries_log.append({"sql": statement, "time": took})


@contextlib.contextmanager
def pipeline():
    """Statements run inside share one round trip to PostgreSQL (until a result
    is read); elsewhere this does nothing."""
    if not _on_postgresql():
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield


def execute_many(statement, rows, *, returning=False):
    """Run ``statement`` once per parameter row, prepared, in one round trip;
    with ``returning`` answers the rows each run returned."""
    started = time.monotonic()
    # Not closed here: inside a pipeline its results arrive at the next sync.
    cursor = _server_cursor()
    cursor.executemany(statement, rows, returning=returning)
    found = []
    if returning:
        while True:
            found += cursor.fetchall()
            if not cursor.nextset():
                break
    _logged(statement, len(rows), started)
    return found


class Reading:
    """A query sent now whose rows are read later (:meth:`rows`), so that the
    queries sent inside one :func:`pipeline` share its round trip."""

    def __init__(self, statement, params):
        self.statement = statement
        self.started = time.monotonic()
        if _on_postgresql():
            self.cursor = _server_cursor()
            self.cursor.execute(statement, params, prepare=True)
        else:
            self.cursor = connection.cursor()
            self.cursor.execute(statement, params)

    def rows(self):
        with self.cursor:
            found = self.cursor.fetchall()
        if _on_postgresql():
            _logged(self.statement, 1, self.started)
        return found


def instances(model, rows):
    """Model instances of ``rows`` read by ``SELECT {select_columns(model)}, ...``;
    the columns after the model's are left off."""
    fields = _fields(model, with_pk=True)
    names = [field.attname for field in fields]
    width = len(names)
    convert = [
        (index, converters)
        for index, field in enumerate(fields)
        if (converters := _converters(field))
    ]
    found = []
    for row in rows:
        values = list(row[:width])
        for index, converters in convert:
            for converter in converters:
                values[index] = converter(values[index], None, connection)
        found.append(model.from_db(connection.alias, names, values))
    return found


def _converters(field):
    key = ("from_db", field)
    found = _statements.get(key)
    if found is None:
        found = _statements[key] = connection.ops.get_db_converters(
            field.get_col(field.model._meta.db_table)
        ) + field.get_db_converters(connection)
    return found


def insert(model, objs, *, returning_ids=False):
    """INSERT ``objs``.

    With ``returning_ids`` the auto-incremented keys are read back and set on the
    objects. On PostgreSQL one prepared statement runs per row, all in one round
    trip; elsewhere in multi-row statements.
    """
    if not objs:
        return
    stamp = timezone.now()
    # An auto-incremented key is the database's to give; a UUID key is ours.
    fields = _fields(model, with_pk=model._meta.auto_field is None)
    pk = model._meta.pk
    rows = [
        [_value(field, obj, stamp, adding=True) for field in fields] for obj in objs
    ]
    names = ", ".join(_quote(field.column) for field in fields)
    head = f"INSERT INTO {_quote(model._meta.db_table)} ({names}) VALUES "
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {_quote(pk.column)}" if returning_ids else ""
    if _on_postgresql():
        found = execute_many(head + row + tail, rows, returning=returning_ids)
    else:
        found = []
        with connection.cursor() as cursor:
            for start in range(0, len(rows), ROWS_PER_INSERT):
                chunk = rows[start : start + ROWS_PER_INSERT]
                params = [value for values in chunk for value in values]
                cursor.execute(head + ", ".join([row] * len(chunk)) + tail, params)
                if returning_ids:
                    found += cursor.fetchall()
        # Keys grow in the order rows are written.
        found.sort()
    if returning_ids:
        for obj, (value,) in zip(objs, found, strict=True):
            setattr(obj, pk.attname, value)
    for obj in objs:
        obj._state.adding = False


def update(model, objs, names=None):
    """UPDATE each of ``objs`` by primary key: the fields ``names`` (every field
    by default), plus any ``auto_now`` field; one statement for all rows."""
    if not objs:
        return
    key = ("update", model, tuple(names) if names else None)
    fields = _statements.get(key)
    if fields is None:
        fields = _statements[key] = [
            field
            for field in _fields(model, with_pk=False)
            if names is None or field.name in names or getattr(field, "auto_now", False)
        ]
    stamp = timezone.now()
    pk = model._meta.pk
    rows = [
        [_value(field, obj, stamp, adding=False) for field in fields]
        + [pk.get_db_prep_value(obj.pk, connection)]
        for obj in objs
    ]
    table = _quote(model._meta.db_table)
    statement = (
        f"UPDATE {table} SET "
        + ", ".join(f"{_quote(field.column)} = %s" for field in fields)
        + f" WHERE {_quote(pk.column)} = %s"
    )
    if _on_postgresql():
        execute_many(statement, rows)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)


def select_columns(model, alias):
    """``alias.col1, alias.col2, ...`` of every concrete field of ``model``."""
    return ", ".join(
        f"{alias}.{_quote(field.column)}" for field in _fields(model, with_pk=True)
    )


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
