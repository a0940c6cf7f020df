"""gunicorn's threaded worker, with new connections spread evenly over workers.

A keep-alive connection stays on the worker that accepted it, and which worker
accepts is a race on the shared listening socket. A burst of new clients often
lands mostly on one worker (26 of 32 seen here), which then serves most of the
load on one core while the other core idles, and the requests of its clients
wait twice as long. Here each worker publishes how many connections it holds,
and a worker holding more than a sibling leaves the next connection to that
sibling for a moment, as a least-connections balancer would.

``config/gunicorn.py`` installs it: ``worker_class`` names the class, and the
``pre_fork`` and ``child_exit`` hooks give each worker a slot of the shared
table and free it when the worker ends.
"""

import logging
import multiprocessing
import time

from gunicorn.workers.gthread import ThreadWorker

logger = logging.getLogger(__name__)

# Slots of the shared table; a worker started when all are taken runs unbalanced.
SLOTS = 64
FREE = -1
# A worker that leaves a connection to a sibling stops accepting for PAUSE, then
# looks again. After YIELD_AT_MOST of that it takes the connection itself: a
# sibling whose core is busy, or that hangs, must not keep a client waiting.
PAUSE = 0.001
YIELD_AT_MOST = 0.005

# Connections held per slot (FREE when no worker has the slot). Made in the
# master before the first fork, so every worker shares the same memory.
_held = None


def assign_slot(server, worker):
    """``pre_fork`` hook, in the master: give the worker about to start the
    first slot that no live worker has."""
    global _held
    if _held is None:
        _held = multiprocessing.RawArray("i", [FREE] * SLOTS)
    taken = {getattr(other, "balance_slot", None) for other in server.WORKERS.values()}
    worker.balance_slot = next((s for s in range(SLOTS) if s not in taken), None)
    if worker.balance_slot is None:
        logger.warning("No balancing slot left for a new worker: it runs unbalanced")
    else:
        # FREE until the worker's loop runs and publishes: a worker still
        # loading Django is not waited for.
        _held[worker.balance_slot] = FREE


def release_slot(server, worker):
    """``child_exit`` hook, in the master: the worker's connections are gone."""
    slot = getattr(worker, "balance_slot", None)
    if _held is not None and slot is not None:
        _held[slot] = FREE


class BalancedThreadWorker(ThreadWorker):
    """``gthread`` worker that accepts a connection only when no sibling holds
    fewer (or as many, from a lower slot), or when the siblings have left it
    waiting for YIELD_AT_MOST."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.balance_slot = None
        self._paused_until = 0.0
        self._yield_started = None
        self._last_yield = 0.0

    def _publish(self):
        if _held is not None and self.balance_slot is not None:
            _held[self.balance_slot] = self.nr_conns

    def _sibling_holds_fewer(self):
        if _held is None or self.balance_slot is None:
            return False
        mine, me = self.nr_conns, self.balance_slot
        # Between equals the lower slot takes it, so two workers do not both
        # accept the same burst.
        return any(
            held != FREE and (held < mine or (held == mine and slot < me))
            for slot, held in enumerate(_held)
            if slot != me
        )

    def set_accept_enabled(self, enabled):
        # The base loop turns accepting back on at every turn; a pause holds it off.
        super().set_accept_enabled(enabled and time.monotonic() >= self._paused_until)

    def wait_for_and_dispatch_events(self, timeout):
        remaining = self._paused_until - time.monotonic()
        if remaining > 0:
            timeout = min(timeout, remaining)
        super().wait_for_and_dispatch_events(timeout)
        self._publish()

    def accept(self, listener):
        now = time.monotonic()
        if self._sibling_holds_fewer():
            # Each connection is left to the siblings for YIELD_AT_MOST; a
            # yield long after the last one is about a new connection.
            if self._yield_started is None or now - self._last_yield > YIELD_AT_MOST:
                self._yield_started = now
            self._last_yield = now
            if now - self._yield_started < YIELD_AT_MOST:
                self._paused_until = now + PAUSE
                self.set_accept_enabled(False)
                return
        self._yield_started = None
        super().accept(listener)
        self._publish()
