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

from django.db import connection

logger = logging.getLogger(__name__)

_converters_of = {}


def on_postgresql():
    return connection.vendor == "postgresql"


def _server_cursor():
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _logged(statement, count, started):
    if connection.queries_logged:
        if count > 1:
            statement = f"{statement} -- {count} parameter rows"
        took = f"{time.monotonic() - started:.3f}"
        connection.queries_log.append({"sql": statement, "time": took})


@contextlib.contextmanager
def pipeline():
    """Statements run inside share one round trip to PostgreSQL (until a result
    is read); elsewhere this does nothing."""
    if not on_postgresql():
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield


def execute_many(statement, rows, *, returning=False):
    """Run ``statement`` once per parameter row, in one round trip; with
    ``returning`` answers the rows each run returned, in the order of ``rows``."""
    started = time.monotonic()
    found = []
    if on_postgresql():
        # Not closed here: inside a pipeline its results arrive at the next sync.
        cursor = _server_cursor()
        cursor.executemany(statement, rows, returning=returning)
        if returning:
            while True:
                found += cursor.fetchall()
                if not cursor.nextset():
                    break
        _logged(statement, len(rows), started)
        return found
    with connection.cursor() as cursor:
        if not returning:
            cursor.executemany(statement, rows)
        for params in rows if returning else ():
            cursor.execute(statement, params)
            found += cursor.fetchall()
    return found


class Reading:
    """A query sent now whose rows are read later (:meth:`rows`), so that the
    queries sent inside one :func:`pipeline` share its round trip."""

    def __init__(self, statement, params):
        self.statement = statement
        self.started = time.monotonic()
        if on_postgresql():
            self.cursor = _server_cursor()
            self.cursor.execute(statement, params, prepare=True)
        else:
            self.cursor = connection.cursor()
            self.cursor.execute(statement, params)

    def rows(self):
        with self.cursor:
            found = self.cursor.fetchall()
        if on_postgresql():
            _logged(self.statement, 1, self.started)
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
    fields = model._meta.concrete_fields
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
    found = _converters_of.get((connection.vendor, field))
    if found is None:
        found = connection.ops.get_db_converters(
            field.get_col(field.model._meta.db_table)
        ) + field.get_db_converters(connection)
        _converters_of[(connection.vendor, field)] = found
    return found
