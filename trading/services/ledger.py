"""Balances and their ledger, as the other services change them.

A :class:`Wallet` holds the balance rows of one account that a transaction has
locked (``select_for_update``, always in the order of the asset names, so that two
transactions on the same account never wait on each other in a circle). Every
change goes through :meth:`Wallet.change`, which writes the ledger entry beside
it: a balance is always the sum of its entries.
"""

import logging

from django.db import transaction

from trading.amounts import ZERO
from trading.models import Balance, LedgerEntry

logger = logging.getLogger(__name__)


class Overdraft(Exception):
    """A change would take an amount below zero; the transaction must not commit."""

    def __init__(self, asset, part, short):
        self.asset = asset
        self.part = part
        self.short = short
        super().__init__(f"{part} {asset} would go {short} below zero")


class Wallet:
    """Locked balance rows of one account, inside the caller's transaction."""

    def __init__(self, account, rows, now):
        self.account = account
        self.rows = rows
        self.now = now
        self.entries = []
        self.touched = set()

    @classmethod
    def open(cls, account, assets, now):
        """Lock the balances of ``assets`` (creating missing rows at zero).

        Call inside ``transaction.atomic()``; the locks last until it ends.
        """
        assert transaction.get_connection().in_atomic_block
        names = sorted(set(assets))
        existing = set(
            Balance.objects.filter(account=account, asset__in=names).values_list(
                "asset", flat=True
            )
        )
        for asset in names:
            if asset not in existing:
                # A concurrent first use creates the same row: get_or_create
                # retries the read after the unique constraint refuses ours.
                Balance.objects.get_or_create(account=account, asset=asset)
        rows = (
            Balance.objects.select_for_update()
            .filter(account=account, asset__in=names)
            .order_by("asset")
        )
        return cls(account, {row.asset: row for row in rows}, now)

    def available(self, asset):
        return self.rows[asset].available

    def change(
        self,
        asset,
        kind,
        *,
        available=ZERO,
        locked=ZERO,
        order=None,
        fill=None,
        note="",
    ):
        row = self.rows[asset]
        new_available = row.available + available
        new_locked = row.locked + locked
        if new_available < 0:
            raise Overdraft(asset, "available", -new_available)
        if new_locked < 0:
            raise Overdraft(asset, "locked", -new_locked)
        row.available, row.locked = new_available, new_locked
        self.touched.add(asset)
        self.entries.append(
            LedgerEntry(
                account=self.account,
                asset=asset,
                kind=kind,
                available_delta=available,
                locked_delta=locked,
                order=order,
                fill=fill,
                note=note,
                created_at=self.now,
            )
        )

    def save(self):
        """Write the entries and the changed rows; answers the changed rows."""
        LedgerEntry.objects.bulk_create(self.entries)
        self.entries = []
        changed = [self.rows[asset] for asset in sorted(self.touched)]
        for row in changed:
            row.save(update_fields=["available", "locked", "updated_at"])
        self.touched = set()
        return changed
