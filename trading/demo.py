"""Demo data of the paper exchange: the demo trader's account, funded, with a
couple of filled orders so that the portfolio is not empty."""

import logging
from decimal import Decimal

from accounts.demo import DEMO_USERS
from accounts.models import User
from trading.models import Order
from trading.services.fund_account import get_account
from trading.services.place_order import OrderRequest, place_order

logger = logging.getLogger(__name__)

DEMO_ORDERS = [
    ("BTCUSDT", Decimal("0.02")),
    ("ETHUSDT", Decimal("0.5")),
]


def demo_paper_trading(out):
    emails = [email for email, *_ in DEMO_USERS if "trader" in email]
    trader = User.objects.filter(email__in=emails).first()
    if trader is None:
        out("  paper trading: no demo trader")
        return
    get_account(trader)
    if Order.objects.filter(user=trader).exists():
        out("  paper trading: demo trader has orders (kept)")
        return
    for symbol, quantity in DEMO_ORDERS:
        order, _ = place_order(
            trader,
            OrderRequest(
                symbol=symbol,
                side="BUY",
                type="MARKET",
                quantity=quantity,
                client_order_id=f"demo-{symbol.lower()}",
            ),
        )
        out(f"  paper trading: {order.side} {order.executed_qty} {symbol}")
