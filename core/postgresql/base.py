"""Django's PostgreSQL backend, with a health check that costs no round trip
while the connection is quiet.

With ``CONN_HEALTH_CHECKS`` Django runs ``SELECT 1`` on a persistent connection
the first time each request uses it: a round trip on every request that writes,
and on the busiest routes a few percent of their time. A server that ends a
connection (a restart, an idle timeout, ``pg_terminate_backend``) says so on the
socket before it closes, so an idle connection with nothing to read is taken as
healthy. Only one with something waiting, or outside a clean idle state, pays
for ``SELECT 1``. A connection cut without a word (a network partition) is found
by the first query that uses it, as it would be by the ``SELECT 1``.
"""

import logging
import select

from django.db.backends.postgresql import base

logger = logging.getLogger(__name__)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        import psycopg

        if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return True
        usable = super().is_usable()
        if not usable:
            logger.info(
                "Database connection %s ended by the server; opening another",
                self.alias,
            )
        return usable
