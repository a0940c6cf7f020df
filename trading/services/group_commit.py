"""Orders placed at the same moment share one transaction (group commit).

An order placed alone pays a whole transaction for a few rows: BEGIN, the lock
of its balance rows, the read of its position, the flush's statements, and a
COMMIT that waits for the write-ahead log to reach the disk. A gunicorn worker
serves several requests at once, one per thread. While one thread's transaction
runs, the orders of the others queue here, and the next thread to lead takes
them all, in the order they came, into one transaction: one lock statement for
every account among them (in the fixed order, as alone), one flush, one commit.

Threads take turns to lead. A thread whose order is queued waits until a leader
has run it, or until the lead is handed to it. A batch in which any order fails
(an overdraft, a filter, a duplicate idempotency key) rolls back whole, and each
of its orders runs again alone: what an order is answered never depends on its
neighbours. Balance rows a batch finds missing (a first order in the symbol)
are created and the batch is tried again, as for one order.

Lines logged while a batch runs carry the request id of the thread leading it;
each order's own "placed" line, logged by its caller, carries its own.

Orders of different symbols lock different assets, so each symbol has its own
queue. A process with one thread (the embedded server, tests) always leads, and
every batch is its own order alone.
"""

import logging
import threading

from django.conf import settings

logger = logging.getLogger(__name__)


class MayHaveCommitted(Exception):
    """Raised by ``together`` when its transaction failed at the commit itself
    (a lost connection): the batch may have been written, so its orders are
    answered with the cause and never run again."""


class _Ticket:
    """One queued order: the caller's work and, once run, its outcome."""

    __slots__ = ("work", "woken", "leads", "done", "result", "error")

    def __init__(self, work):
        self.work = work
        self.woken = threading.Event()
        self.leads = False
        self.done = False
        self.result = None
        self.error = None

    def finish(self, result=None, error=None):
        self.result, self.error, self.done = result, error, True
        self.woken.set()

    def outcome(self):
        if self.error is not None:
            raise self.error
        return self.result


class Combiner:
    """A queue of orders of one symbol, run in batches by whichever thread leads.

    ``together(works)`` runs orders in one transaction and answers their
    results in order, raising if any fails; an order alone is a batch of one.
    """

    def __init__(self, together, limit):
        self.together = together
        self.limit = max(1, limit)
        self.mutex = threading.Lock()
        self.queue = []
        self.leading = False

    def waiting(self):
        """How many orders are queued, not yet taken into a batch."""
        with self.mutex:
            return len(self.queue)

    def run(self, work):
        ticket = _Ticket(work)
        with self.mutex:
            self.queue.append(ticket)
            ticket.leads = not self.leading
            self.leading = True
        if not ticket.leads:
            ticket.woken.wait()
            if not ticket.leads:
                return ticket.outcome()

        # This thread leads until its own order has run, then hands the lead to
        # the first order still queued.
        try:
            while not ticket.done:
                with self.mutex:
                    batch = self.queue[: self.limit]
                    del self.queue[: self.limit]
                self._run(batch)
        finally:
            with self.mutex:
                if self.queue:
                    heir = self.queue[0]
                    heir.leads = True
                    heir.woken.set()
                else:
                    self.leading = False
        return ticket.outcome()

    def _run(self, batch):
        try:
            if len(batch) > 1:
                try:
                    results = self.together([ticket.work for ticket in batch])
                except MayHaveCommitted as unsure:
                    logger.error(
                        "A batch of %d orders failed at the commit: %s",
                        len(batch),
                        unsure.__cause__,
                    )
                    for ticket in batch:
                        ticket.finish(error=unsure.__cause__ or unsure)
                    return
                except Exception as exc:
                    logger.info(
                        "A batch of %d orders rolled back (%s: %s); each runs alone",
                        len(batch),
                        type(exc).__name__,
                        exc,
                    )
                else:
                    for ticket, result in zip(batch, results, strict=True):
                        ticket.finish(result=result)
                    return
            for ticket in batch:
                try:
                    (result,) = self.together([ticket.work])
                    ticket.finish(result=result)
                except MayHaveCommitted as unsure:
                    ticket.finish(error=unsure.__cause__ or unsure)
                except Exception as exc:
                    ticket.finish(error=exc)
        finally:
            # Whatever escaped (a BaseException), no caller waits forever.
            for ticket in batch:
                if not ticket.done:
                    ticket.finish(error=RuntimeError("the order's batch was aborted"))


_combiners = {}
_combiners_mutex = threading.Lock()


def waiting(key):
    """How many orders of ``key`` wait in this process's queue."""
    found = _combiners.get(key)
    return found.waiting() if found is not None else 0


def combiner(key, together):
    """The process's combiner for ``key`` (a symbol); ``together`` is the same
    for every call with one key."""
    found = _combiners.get(key)
    if found is None:
        with _combiners_mutex:
            found = _combiners.get(key)
            if found is None:
                found = _combiners[key] = Combiner(
                    together, settings.TRADING_ORDER_BATCH_MAX
                )
    return found
