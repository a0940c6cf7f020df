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
        # The bodies are taken now: the rows are final for this transaction.
        messages = [
            (feed.ORDER_UPDATE, presenters.order_body(o)) for o in self.orders.values()
        ]
        messages += [
            (feed.BALANCE_UPDATE, presenters.balance_body(row))
            for row in self.balances.values()
        ]
        messages += [(feed.NOTIFICATION, note) for note in self.notes]
        if not messages:
            return
        group = feed.user_group(self.user_id)
        transaction.on_commit(lambda: feed.publish_many(group, messages))
