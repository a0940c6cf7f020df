"""Paper accounts: opened (and funded with the starting balance) on first use,
and funded again by staff."""

import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction

from core.errors import ValidationFailed
from core.time import utc_now
from trading import events
from trading.amounts import UNIT
from trading.choices import EntryKind
from trading.models import Account
from trading.services.ledger import Wallet

logger = logging.getLogger(__name__)


def starting_balance():
    return Decimal(settings.TRADING_STARTING_BALANCE)


def get_account(user):
    """The user's paper account, opened with the starting balance if it is new."""
    return get_account_of(user.pk)


def get_account_of(user_id):
    """:func:`get_account` by the user's id."""
    account = Account.objects.filter(user_id=user_id).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            account = Account.objects.create(user_id=user_id)
            amount = starting_balance()
            if amount > 0:
                _deposit(account, settings.TRADING_QUOTE_ASSET, amount, "opening")
    except IntegrityError:
        # Opened by a concurrent request of the same user: use that one.
        return Account.objects.get(user_id=user_id)
    logger.info("Opened paper account %s for user %s", account.pk, user_id)
    return account


def fund(account, asset, amount, note="funded by staff"):
    """Deposit ``amount`` of ``asset`` into ``account``; answers the balance row."""
    asset = str(asset).strip().upper()
    if not asset.isalnum() or len(asset) > 10:
        raise ValidationFailed("asset", "Name an asset such as USDT or BTC.")
    try:
        amount = Decimal(amount)
    except (InvalidOperation, TypeError):
        raise ValidationFailed("amount", "Not a number.")
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed("amount", "Must be positive.")
    if amount != amount.quantize(UNIT):
        raise ValidationFailed("amount", "At most 8 decimals.")
    with transaction.atomic():
        row = _deposit(account, asset, amount, note)
    logger.info("Deposited %s %s into paper account %s", amount, asset, account.pk)
    return row


def _deposit(account, asset, amount, note):
    wallet = Wallet.open(account, [asset], utc_now())
    wallet.change(asset, EntryKind.DEPOSIT, available=amount, note=note)
    rows = wallet.save()
    outbox = events.Outbox(account.user_id)
    for row in rows:
        outbox.balance(row)
    outbox.note(f"{amount} {asset} deposited into your paper account.", "info")
    outbox.send_on_commit()
    return wallet.rows[asset]
