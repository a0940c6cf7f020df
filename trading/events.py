"""What the paper exchange tells a user on the realtime feed, after commit.

Services collect the orders and balances they changed in an :class:`Outbox` and
call :meth:`Outbox.send_on_commit`; nothing is published for a transaction that
rolls back, and a feed that is down never fails the trade.
"""

import logging

from django.db import transaction

from realtime import events as feed
from trading import presenters

logger = logging.getLogger(__name__)


class Outbox:
    def __init__(self, user_id):
        self.user_id = user_id
        self.orders = {}
        self.balances = {}
        self.notes = []

    def order(self, order):
        self.orders[order.pk] = order

    def balance(self, row):
        self.balances[row.asset] = row

    def note(self, message, kind="info"):
        self.notes.append({"message": message, "type": kind})

    def send_on_commit(self):
        # The bodies are taken after the commit: rows written in one flush get
        # their timestamps there, and several orders can share the transaction
        # (trading.services.group_commit), so a balance is told as it ended.
        if not (self.orders or self.balances or self.notes):
            return
        # Robust: a feed failure after the commit must never fail (or repeat)
        # the trade that committed.
        transaction.on_commit(self._publish, robust=True)

    def _publish(self):
        messages = [
            (feed.ORDER_UPDATE, presenters.order_body(o)) for o in self.orders.values()
        ]
        messages += [
            (feed.BALANCE_UPDATE, presenters.balance_body(row))
            for row in self.balances.values()
        ]
        messages += [(feed.NOTIFICATION, note) for note in self.notes]
        feed.publish_many(feed.user_group(self.user_id), messages)
