"""The symbols every installation starts with, with Binance-style spot filters.

Read by the data migration (fresh installs and tests) and by the demo provider
(which restores them if they were edited away). ``sim_*`` set the simulated
market: price at its 2019-01-01 epoch, daily volatility, base volume per minute.
"""

from decimal import Decimal as D

DEFAULT_SYMBOLS = [
    {
        "symbol": "BTCUSDT",
        "base_asset": "BTC",
        "quote_asset": "USDT",
        "tick_size": D("0.01"),
        "step_size": D("0.00001"),
        "min_price": D("0.01"),
        "max_price": D("1000000"),
        "min_qty": D("0.00001"),
        "max_qty": D("9000"),
        "min_notional": D("5"),
        "sim_price": D("3800"),
        "sim_daily_volatility": D("0.035"),
        "sim_minute_volume": D("20"),
    },
    {
        "symbol": "ETHUSDT",
        "base_asset": "ETH",
        "quote_asset": "USDT",
        "tick_size": D("0.01"),
        "step_size": D("0.0001"),
        "min_price": D("0.01"),
        "max_price": D("1000000"),
        "min_qty": D("0.0001"),
        "max_qty": D("9000"),
        "min_notional": D("5"),
        "sim_price": D("135"),
        "sim_daily_volatility": D("0.045"),
        "sim_minute_volume": D("250"),
    },
    {
        "symbol": "SOLUSDT",
        "base_asset": "SOL",
        "quote_asset": "USDT",
        "tick_size": D("0.01"),
        "step_size": D("0.001"),
        "min_price": D("0.01"),
        "max_price": D("100000"),
        "min_qty": D("0.001"),
        "max_qty": D("9000000"),
        "min_notional": D("5"),
        "sim_price": D("12"),
        "sim_daily_volatility": D("0.055"),
        "sim_minute_volume": D("2000"),
    },
    {
        "symbol": "BNBUSDT",
        "base_asset": "BNB",
        "quote_asset": "USDT",
        "tick_size": D("0.01"),
        "step_size": D("0.001"),
        "min_price": D("0.01"),
        "max_price": D("100000"),
        "min_qty": D("0.001"),
        "max_qty": D("9000000"),
        "min_notional": D("5"),
        "sim_price": D("6"),
        "sim_daily_volatility": D("0.04"),
        "sim_minute_volume": D("150"),
    },
    {
        "symbol": "XRPUSDT",
        "base_asset": "XRP",
        "quote_asset": "USDT",
        "tick_size": D("0.0001"),
        "step_size": D("0.1"),
        "min_price": D("0.0001"),
        "max_price": D("1000"),
        "min_qty": D("0.1"),
        "max_qty": D("9222449"),
        "min_notional": D("5"),
        "sim_price": D("0.36"),
        "sim_daily_volatility": D("0.045"),
        "sim_minute_volume": D("300000"),
    },
]


def ensure_default_symbols(symbol_model):
    """Create the default symbols that are missing; answers how many were made."""
    created = 0
    for values in DEFAULT_SYMBOLS:
        fields = dict(values)
        _, made = symbol_model.objects.get_or_create(
            symbol=fields.pop("symbol"), defaults=fields
        )
        created += made
    return created
