"""Running hand-written SQL cheaply, for the few statements every request pays.

Django's psycopg connection binds parameters on the client, which suits the ORM
but costs Python on every call: each value is quoted into the statement text, and
the server parses and plans it again. On PostgreSQL these helpers bind on the
server instead: psycopg converts the values in C, and the server keeps each
statement prepared for the life of the connection. Statements sent inside
:func:`pipeline` share one round trip. On other databases they go through
Django's cursor.

Django's query log (``DEBUG``, ``CaptureQueriesContext``) sees these statements
too, one entry per call.
"""

import contextlib
import logging
import time

from django.db import DEFAULT_DB_ALIAS, connection, connections

logger = logging.getLogger(__name__)

_plans = {}


def on_postgresql():
    return connection.vendor == "postgresql"


def _wrapper():
    # ``django.db.connection`` looks the thread's connection up on every
    # attribute; these helpers look it up once per call.
    return connections[DEFAULT_DB_ALIAS]


def _server_cursor(wrapper):
    import psycopg

    wrapper.ensure_connection()
    # A raw cursor takes PostgreSQL's own $1 placeholders as they are: a
    # regular one parses every statement for %s again when it is long or has
    # many parameters (as multi-row statements do), which costs more than
    # running it.
    return psycopg.RawCursor(wrapper.connection)


_natives = {}


def _native(statement):
    """``statement`` with its ``%s`` placeholders numbered ``$1, $2, ...``
    (worked out once per statement text; these statements hold no other %)."""
    found = _natives.get(statement)
    if found is None:
        head, *rest = statement.split("%s")
        found = head + "".join(
            f"${number}{part}" for number, part in enumerate(rest, start=1)
        )
        _natives[statement] = found
    return found


def _logged(wrapper, statement, started):
    if wrapper.queries_logged:
        took = f"{time.monotonic() - started:.3f}"
        wrapper.queries_log.append({"sql": statement, "time": took})


@contextlib.contextmanager
def pipeline():
    """Statements run inside share one round trip to PostgreSQL (until a result
    is read); elsewhere this does nothing."""
    if not on_postgresql():
        yield
        return
    wrapper = _wrapper()
    wrapper.ensure_connection()
    # Errors reach the callers as Django's (an IntegrityError, say), as they
    # would through the ORM; a pipeline's arrive when it syncs, at its end.
    with wrapper.wrap_database_errors, wrapper.connection.pipeline():
        yield


def queue_commit():
    """Inside a :func:`pipeline`, as the last statement of the outermost
    ``transaction.atomic()`` block: send COMMIT with the statements queued
    before it, in their round trip, instead of in one of its own after them.

    The block's end then finds nothing left to commit and runs the
    ``on_commit`` callbacks as usual; nothing may run in the block after this.
    Answers whether COMMIT was queued: not off PostgreSQL, nor in a nested
    block or one marked for rollback, where the block's end decides as usual.
    """
    wrapper = _wrapper()
    if (
        wrapper.vendor != "postgresql"
        or len(wrapper.atomic_blocks) != 1
        or wrapper.needs_rollback
    ):
        return False
    started = time.monotonic()
    with wrapper.wrap_database_errors:
        _server_cursor(wrapper).execute(b"COMMIT", prepare=False)
    _logged(wrapper, "COMMIT", started)
    return True


# SQLSTATE classes of a statement the server refused: the transaction it was
# in did not commit. Any other failure after COMMIT was sent (a lost
# connection, a server shutting down) leaves it unknown.
_REFUSED_CLASSES = ("22", "23", "25", "40", "42")


def refused_by_server(exc):
    """Whether ``exc`` (or what it wraps) is the server refusing a statement,
    which rolls its transaction back."""
    while exc is not None:
        sqlstate = getattr(exc, "sqlstate", None)
        if sqlstate:
            return sqlstate[:2] in _REFUSED_CLASSES
        exc = exc.__cause__
    return False


def execute_each(statements, *, returning=False):
    """Run each ``(statement, params)`` of ``statements`` once, in one round
    trip on PostgreSQL (inside a :func:`pipeline`); with ``returning`` answers
    the rows they returned, one after another."""
    started = time.monotonic()
    wrapper = _wrapper()
    found = []
    if wrapper.vendor == "postgresql":
        # Not closed here: inside a pipeline their results arrive at the next sync.
        cursors = []
        with wrapper.wrap_database_errors:
            for statement, params in statements:
                cursor = _server_cursor(wrapper)
                cursor.execute(_native(statement), params)
                cursors.append(cursor)
            for cursor in cursors if returning else ():
                found += cursor.fetchall()
        for statement, _ in statements:
            _logged(wrapper, statement, started)
        return found
    with wrapper.cursor() as cursor:
        for statement, params in statements:
            cursor.execute(statement, params)
            if returning:
                found += cursor.fetchall()
    return found


class Reading:
    """A query sent now whose rows are read later (:meth:`rows`), so that the
    queries sent inside one :func:`pipeline` share its round trip."""

    def __init__(self, statement, params):
        self.statement = statement
        self.started = time.monotonic()
        self.wrapper = _wrapper()
        self.native = self.wrapper.vendor == "postgresql"
        if self.native:
            self.cursor = _server_cursor(self.wrapper)
            with self.wrapper.wrap_database_errors:
                self.cursor.execute(_native(statement), params, prepare=True)
        else:
            self.cursor = self.wrapper.cursor()
            self.cursor.execute(statement, params)

    def rows(self):
        with self.wrapper.wrap_database_errors, self.cursor:
            found = self.cursor.fetchall()
        if self.native:
            _logged(self.wrapper, self.statement, self.started)
        return found


def select_columns(model, alias):
    """``alias.col1, alias.col2, ...``: every concrete field of ``model``, in the
    order :func:`instances` reads them."""
    quote = connection.ops.quote_name
    return ", ".join(
        f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields
    )


def instances(model, rows):
    """Instances of ``model`` from ``rows`` read by ``SELECT {select_columns}``,
    with the backend's conversions; columns after the model's are left off."""
    wrapper = _wrapper()
    names, convert = _reading_plan(model, wrapper)
    width = len(names)
    found = []
    for row in rows:
        values = list(row[:width])
        for index, converters in convert:
            for converter in converters:
                values[index] = converter(values[index], None, wrapper)
        found.append(model.from_db(wrapper.alias, names, values))
    return found


def _reading_plan(model, wrapper):
    """The field names of ``model`` and the converters of those that have any."""
    key = (model, wrapper.vendor)
    found = _plans.get(key)
    if found is None:
        fields = model._meta.concrete_fields
        convert = []
        for index, field in enumerate(fields):
            converters = wrapper.ops.get_db_converters(
                field.get_col(model._meta.db_table)
            ) + field.get_db_converters(wrapper)
            if converters:
                convert.append((index, converters))
        found = _plans[key] = ([field.attname for field in fields], convert)
    return found
