"""core.db on PostgreSQL: a COMMIT that shares the writes' round trip, and
which failures leave a commit unknown."""

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from accounts.models import User
from core import db

pytestmark = pytest.mark.postgres


def _seen_elsewhere(user):
    """The user's name as another connection reads it (what is committed)."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        row = other.execute(
            "SELECT first_name FROM accounts_user WHERE id = %s", [user.pk]
        ).fetchone()
    return row[0]


def _rename(user, name):
    db.execute_each(
        [("UPDATE accounts_user SET first_name = %s WHERE id = %s", [name, user.pk])]
    )


@pytest.mark.django_db(transaction=True)
def test_a_queued_commit_commits_with_the_writes_and_runs_the_callbacks_after():
    user = User.objects.create_user("ada@example.com", "a-Strong-pass-42")
    ran = []
    with transaction.atomic():
        transaction.on_commit(lambda: ran.append(_seen_elsewhere(user)))
        with db.pipeline():
            _rename(user, "Ada")
            assert db.queue_commit()
        # Committed before the block ends; the callbacks wait for its end.
        assert _seen_elsewhere(user) == "Ada"
        assert ran == []
    assert ran == ["Ada"]
    # The connection is usable in a new transaction.
    with transaction.atomic():
        _rename(user, "Lovelace")
    assert _seen_elsewhere(user) == "Lovelace"


@pytest.mark.django_db(transaction=True)
def test_a_nested_block_leaves_the_commit_to_the_outer_one():
    user = User.objects.create_user("bo@example.com", "a-Strong-pass-42")
    with transaction.atomic():
        with transaction.atomic():
            with db.pipeline():
                _rename(user, "Bo")
                assert not db.queue_commit()
        assert _seen_elsewhere(user) == ""
    assert _seen_elsewhere(user) == "Bo"


@pytest.mark.django_db(transaction=True)
def test_a_refused_statement_before_the_commit_rolls_everything_back():
    user = User.objects.create_user("cy@example.com", "a-Strong-pass-42")
    other = User.objects.create_user("dee@example.com", "a-Strong-pass-42")
    with pytest.raises(IntegrityError) as refused:
        with transaction.atomic():
            with db.pipeline():
                _rename(user, "Cy")
                db.execute_each(
                    [
                        (
                            "UPDATE accounts_user SET email = %s WHERE id = %s",
                            [user.email, other.pk],
                        )
                    ]
                )
                db.queue_commit()
    assert db.refused_by_server(refused.value)
    assert _seen_elsewhere(user) == ""


def test_only_a_refusal_by_the_server_is_known_not_to_have_committed():
    unique = psycopg.errors.UniqueViolation("duplicate key")
    wrapped = IntegrityError("duplicate key")
    wrapped.__cause__ = unique
    lost = OperationalError("server closed the connection unexpectedly")
    lost.__cause__ = psycopg.OperationalError("server closed the connection")

    assert db.refused_by_server(wrapped)
    assert db.refused_by_server(psycopg.errors.SerializationFailure("retry"))
    assert not db.refused_by_server(lost)
    assert not db.refused_by_server(psycopg.errors.AdminShutdown("shutting down"))
    assert not db.refused_by_server(ValueError("not a database error"))
