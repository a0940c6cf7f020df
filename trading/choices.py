"""Order sides, types, statuses and times in force, as Binance spells them."""

from django.db import models


class Side(models.TextChoices):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(models.TextChoices):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP_LOSS_LIMIT = "STOP_LOSS_LIMIT"
    TAKE_PROFIT_LIMIT = "TAKE_PROFIT_LIMIT"


STOP_TYPES = (OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT)
PRICED_TYPES = (OrderType.LIMIT, *STOP_TYPES)


class TimeInForce(models.TextChoices):
    GTC = "GTC", "Good till canceled"
    IOC = "IOC", "Immediate or cancel"
    FOK = "FOK", "Fill or kill"


class OrderStatus(models.TextChoices):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


ACTIVE_STATUSES = (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
FINAL_STATUSES = (
    OrderStatus.FILLED,
    OrderStatus.CANCELED,
    OrderStatus.REJECTED,
    OrderStatus.EXPIRED,
)


class PositionStatus(models.TextChoices):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class EntryKind(models.TextChoices):
    DEPOSIT = "DEPOSIT", "Deposit"
    LOCK = "LOCK", "Lock for an order"
    RELEASE = "RELEASE", "Release of an order's lock"
    TRADE = "TRADE", "Fill"
    FEE = "FEE", "Trading fee"
