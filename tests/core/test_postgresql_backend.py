"""The PostgreSQL health check: a quiet connection is kept without a query, one
the server has ended is replaced before a request uses it."""

import select

import psycopg
import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _checked():
    """Run the check Django runs on a request's first use of the connection."""
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def _backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _sent_during(work, tmp_path):
    """What libpq sent to the server while ``work()`` ran (its protocol trace)."""
    trace = tmp_path / "libpq.trace"
    pgconn = connection.connection.pgconn
    with open(trace, "w") as out:
        pgconn.trace(out.fileno())
        try:
            work()
        finally:
            pgconn.untrace()
    return trace.read_text()


def test_a_quiet_connection_is_kept_without_a_query(tmp_path):
    first = _backend_pid()

    sent = _sent_during(_checked, tmp_path)

    assert sent == ""
    assert connection.connection is not None
    assert _backend_pid() == first
    # The trace does see what a query sends.
    assert "SELECT 1" in _sent_during(
        lambda: connection.connection.execute("SELECT 1"), tmp_path
    )


def test_a_connection_the_server_ended_is_replaced():
    ended = _backend_pid()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [ended])
    # The server's goodbye reaches the socket.
    readable, _, _ = select.select([connection.connection.fileno()], [], [], 5)
    assert readable

    _checked()

    assert _backend_pid() != ended


def test_a_connection_in_a_transaction_is_asked():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connection.connection.execute("BEGIN")
    try:
        assert connection.is_usable()
    finally:
        connection.connection.rollback()
