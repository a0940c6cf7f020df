"""Balances and their ledger, and everything else one trading transaction writes.

:class:`Books` is the unit of work of one transaction: it locks the balance rows
of the accounts it will change (``select_for_update``, in one statement, ordered
by account and asset, so that two transactions never wait on each other in a
circle), reads their open positions, and collects the orders, fills, ledger
entries and positions the engine changes in memory; :meth:`Books.flush` writes
them in a few statements at the end. A refusal raised before the flush (an
overdraft, a filter) has written nothing.

A :class:`Wallet` is one account's part of the books. Every balance change goes
through :meth:`Wallet.change`, which records the ledger entry beside it: a
balance is always the sum of its entries.
"""

import logging
import uuid

from django.db import transaction

from core import db
from trading.amounts import ZERO
from trading.choices import PositionStatus
from trading.models import Account, Balance, Fill, LedgerEntry, Order, Position
from trading.services import sql

logger = logging.getLogger(__name__)


class Overdraft(Exception):
    """A change would take an amount below zero; the transaction must not commit."""

    def __init__(self, asset, part, short):
        self.asset = asset
        self.part = part
        self.short = short
        super().__init__(f"{part} {asset} would go {short} below zero")


_lock_sql = {}


def _lock_statement(users, assets):
    key = (users, assets)
    found = _lock_sql.get(key)
    if found is None:
        found = (
            f"SELECT {db.select_columns(Balance, 'b')}, a.user_id AS owner_id"
            " FROM trading_balance b"
            " INNER JOIN trading_account a ON a.id = b.account_id"
            f" WHERE a.user_id IN ({sql.placeholders(range(users))})"
            f" AND b.asset IN ({sql.placeholders(range(assets))})"
            " ORDER BY b.account_id, b.asset" + sql.for_update(of="b")
        )
        _lock_sql[key] = found
    return found


def _user_key(user_id):
    return Account._meta.get_field("user").target_field.get_db_prep_value(
        user_id, transaction.get_connection()
    )


def _lock_reading(users, names):
    statement = _lock_statement(len(users), len(names))
    return db.Reading(statement, [_user_key(user) for user in users] + names)


def _positions_reading(users, symbol):
    statement = (
        f"SELECT {db.select_columns(Position, 'p')} FROM trading_position p"
        f" WHERE p.user_id IN ({sql.placeholders(users)})"
        " AND p.symbol = %s AND p.status = %s"
    )
    params = [_user_key(user) for user in users] + [symbol, PositionStatus.OPEN]
    return db.Reading(statement, params)


class MissingBalances(Exception):
    """Balance rows (or a whole account) the books need do not exist yet.

    Creating them inside the transaction would take their locks after others
    it already holds, out of the fixed order (a deadlock with a transaction
    that found them all). The caller rolls back, runs :func:`ensure_balances`
    and tries again; it happens once per account and asset.
    """


def ensure_balances(user_ids, assets):
    """Open the accounts of ``user_ids`` and their ``assets`` rows (at zero)
    that do not exist yet, in a transaction of their own."""
    from trading.services.fund_account import get_account_of

    users = sorted(set(user_ids), key=str)
    accounts = {
        account.user_id: account
        for account in Account.objects.filter(user_id__in=users)
    }
    for user in users:
        if user not in accounts:
            accounts[user] = get_account_of(user)
    with transaction.atomic():
        # A concurrent first use creates the same rows: the unique constraint
        # keeps one.
        Balance.objects.bulk_create(
            [
                Balance(account_id=account.pk, asset=asset)
                for account in accounts.values()
                for asset in sorted(set(assets))
            ],
            ignore_conflicts=True,
        )


def retry_missing_balances(work):
    """Run ``work()`` (which opens its own transaction and books); if it finds
    balance rows missing, create them and run it again."""
    try:
        return work()
    except MissingBalances as missing:
        users, assets = missing.args
        ensure_balances(users, assets)
        return work()


class Wallet:
    """One account's locked balance rows and open positions, inside the books."""

    def __init__(self, books, account_id, user_id):
        self.books = books
        self.account_id = account_id
        self.user_id = user_id
        self.rows = {}
        self.positions = {}
        self.touched = set()

    @classmethod
    def open(cls, account, assets, now):
        """Books of one account: lock the balances of ``assets`` (creating
        missing rows at zero). Call inside ``transaction.atomic()``."""
        books = Books.open(now, [account.user_id], assets)
        return books.wallet(account.user_id)

    @property
    def now(self):
        return self.books.now

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
        self.books.entries.append(
            LedgerEntry(
                account_id=self.account_id,
                asset=asset,
                kind=kind,
                available_delta=available,
                locked_delta=locked,
                order=order,
                fill=fill,
                note=note,
                created_at=self.books.now,
            )
        )

    def position(self, symbol):
        """The open position in ``symbol`` (None if there is none)."""
        if symbol not in self.positions:
            self.books.read_positions(symbol)
        return self.positions.get(symbol)

    def open_position(self, symbol):
        position = Position(user_id=self.user_id, symbol=symbol, opened_at=self.now)
        self.positions[symbol] = position
        return position

    def changed_rows(self):
        return [self.rows[asset] for asset in sorted(self.touched)]

    def save(self):
        """Write the books; answers this account's changed balance rows."""
        changed = self.changed_rows()
        self.books.flush()
        return changed


class Books:
    """What one transaction changes; see the module docstring."""

    def __init__(self, now):
        self.now = now
        self.wallets = {}
        self.entries = []
        self.fills = []
        self.saved = {Order: {}, Position: {}}

    @classmethod
    def open(cls, now, user_ids, assets, symbol=None):
        """Lock the ``assets`` balances of the accounts of ``user_ids`` and read
        their open positions in ``symbol``; :class:`MissingBalances` if a row
        does not exist yet (see :func:`retry_missing_balances`).

        Call inside ``transaction.atomic()``; the locks last until it ends.
        """
        assert transaction.get_connection().in_atomic_block
        books = cls(now)
        users = sorted(set(user_ids), key=str)
        names = sorted(set(assets))
        # The lock and the positions travel in one round trip: the positions'
        # users are the ones whose rows the lock reads.
        with db.pipeline():
            locking = _lock_reading(users, names)
            positions = _positions_reading(users, symbol) if symbol else None
        if books._take_locked(locking.rows()) < len(users) * len(names):
            if len(names) > 1 or len(users) > 1:
                raise MissingBalances(users, names)
            # One row: no other lock is held yet, so creating it here keeps
            # the order (deposits, which may name a new asset).
            ensure_balances(users, names)
            books.wallets = {}
            if books._take_locked(_lock_reading(users, names).rows()) < 1:
                raise RuntimeError("balance row missing after creating it")
        if positions is not None:
            books._take_positions(symbol, positions.rows())
        return books

    def _take_locked(self, rows):
        count = 0
        for row, balance in zip(rows, db.instances(Balance, rows), strict=True):
            # The owner, after the balance's columns, skipped the backend's
            # conversions.
            owner = row[-1]
            if not isinstance(owner, uuid.UUID):
                owner = uuid.UUID(str(owner))
            wallet = self.wallets.get(owner)
            if wallet is None:
                wallet = self.wallets[owner] = Wallet(self, balance.account_id, owner)
            wallet.rows[balance.asset] = balance
            count += 1
        return count

    def read_positions(self, symbol):
        """The open positions in ``symbol`` of every wallet, in one query. The
        caller holds the base asset's balance rows, which serialise every change
        of these positions."""
        if self.wallets:
            self._take_positions(
                symbol, _positions_reading(list(self.wallets), symbol).rows()
            )

    def _take_positions(self, symbol, rows):
        for wallet in self.wallets.values():
            wallet.positions.setdefault(symbol, None)
        for position in db.instances(Position, rows):
            self.wallets[position.user_id].positions[symbol] = position

    def wallet(self, user_id):
        return self.wallets[user_id]

    def release(self):
        """Let go of the wallets once the transaction is over. Each wallet
        keeps its books, so books that kept their wallets would be a cycle that
        only the garbage collector's pauses free (20-40 ms in a busy worker)."""
        self.wallets = {}

    def save(self, obj):
        """Mark an order or a position to be written (inserted if it is new)."""
        self.saved[type(obj)][obj.pk] = obj

    def add_fill(self, fill):
        self.fills.append(fill)

    def flush(self, *, commit=False):
        """Write everything collected, in as few statements as the rows allow.

        With ``commit``, called last in the outermost ``atomic`` block, the
        COMMIT shares the writes' round trip on PostgreSQL (core.db.queue_commit).
        """
        new = {model: [] for model in self.saved}
        changed = {model: [] for model in self.saved}
        for model, objs in self.saved.items():
            for obj in objs.values():
                (new if obj._state.adding else changed)[model].append(obj)
        # One round trip on PostgreSQL: the fills' keys are taken beforehand
        # (sql.KeyBlocks), so the entries can name them.
        with db.pipeline():
            sql.insert(Order, new[Order])
            sql.insert(Fill, self.fills, returning_ids=True)
            sql.insert(LedgerEntry, self.entries, returning_ids=False)
            # A position closed and another opened in the same symbol: the unique
            # open position per symbol allows the new one only after the update.
            sql.update(Position, changed[Position])
            sql.insert(Position, new[Position])
            sql.update(Order, changed[Order])
            rows = [
                row for wallet in self.wallets.values() for row in wallet.changed_rows()
            ]
            sql.update(Balance, rows, ["available", "locked"])
            if commit:
                db.queue_commit()
        self.entries, self.fills = [], []
        self.saved = {Order: {}, Position: {}}
        for wallet in self.wallets.values():
            wallet.touched = set()
