"""Which symbols a client may subscribe to: those the market data knows."""


def known_symbols():
    """Names of the tradable symbols (market data caches the specs)."""
    from trading.market.symbols import all_specs

    return frozenset(spec.symbol for spec in all_specs())
