"""Market data as the API answers it: camelCase bodies, Decimals at the tick."""

from decimal import Decimal

from core.time import isoformat


def symbol_body(spec):
    return {
        "symbol": spec.symbol,
        "status": spec.status,
        "baseAsset": spec.base_asset,
        "quoteAsset": spec.quote_asset,
        "pricePrecision": spec.price_decimals,
        "quantityPrecision": spec.qty_decimals,
        "tickSize": spec.tick_size.normalize(),
        "stepSize": spec.step_size.normalize(),
        "minPrice": spec.min_price.normalize(),
        "maxPrice": spec.max_price.normalize(),
        "minQty": spec.min_qty.normalize(),
        "maxQty": spec.max_qty.normalize(),
        "minNotional": spec.min_notional.normalize(),
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": spec.min_price.normalize(),
                "maxPrice": spec.max_price.normalize(),
                "tickSize": spec.tick_size.normalize(),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": spec.min_qty.normalize(),
                "maxQty": spec.max_qty.normalize(),
                "stepSize": spec.step_size.normalize(),
            },
            {"filterType": "NOTIONAL", "minNotional": spec.min_notional.normalize()},
        ],
    }


def price_body(price):
    return {
        "symbol": price.symbol,
        "price": price.price,
        "timestamp": isoformat(price.time),
    }


def ticker_body(ticker):
    return {
        "symbol": ticker.symbol,
        "priceChange": ticker.price_change,
        "priceChangePercent": ticker.price_change_percent,
        "weightedAvgPrice": ticker.weighted_avg_price,
        "prevClosePrice": ticker.prev_close_price,
        "lastPrice": ticker.last_price,
        "bidPrice": ticker.bid_price,
        "askPrice": ticker.ask_price,
        "openPrice": ticker.open_price,
        "highPrice": ticker.high_price,
        "lowPrice": ticker.low_price,
        "volume": ticker.volume,
        "quoteVolume": ticker.quote_volume,
        "openTime": isoformat(ticker.open_time),
        "closeTime": isoformat(ticker.close_time),
        "count": ticker.count,
    }


def book_body(book):
    return {
        "symbol": book.symbol,
        "lastUpdateId": book.last_update_id,
        "bids": [[price, quantity] for price, quantity in book.bids],
        "asks": [[price, quantity] for price, quantity in book.asks],
        "timestamp": isoformat(book.time),
    }


# Paper exchange -------------------------------------------------------------------


def _amount(value):
    from trading.amounts import plain

    return plain(value)


def fill_body(fill):
    return {
        "id": fill.pk,
        "price": _amount(fill.price),
        "quantity": _amount(fill.quantity),
        "quoteQuantity": _amount(fill.quote_qty),
        "fee": _amount(fill.fee),
        "feeAsset": fill.fee_asset,
        "isMaker": fill.is_maker,
        "createdAt": isoformat(fill.created_at),
    }


def order_body(order, fills=None):
    """An order as the API answers it; with ``fills`` (a list) when given."""
    avg = order.avg_price
    body = {
        "id": str(order.pk),
        "clientOrderId": order.client_order_id,
        "symbol": order.symbol,
        "side": order.side,
        "type": order.type,
        "timeInForce": order.time_in_force,
        "quantity": _amount(order.quantity),
        "price": _amount(order.price),
        "stopPrice": _amount(order.stop_price),
        "status": order.status,
        "executedQty": _amount(order.executed_qty),
        "cumulativeQuoteQty": _amount(order.cumulative_quote_qty),
        "avgPrice": None if avg is None else _amount(avg.quantize(Decimal("1e-8"))),
        "fee": _amount(order.fee_total),
        "stopLoss": _amount(order.stop_loss),
        "takeProfit": _amount(order.take_profit),
        "parentOrderId": str(order.parent_id) if order.parent_id else None,
        "positionId": str(order.position_id) if order.position_id else None,
        "reason": order.reason or None,
        "triggeredAt": isoformat(order.triggered_at) if order.triggered_at else None,
        "createdAt": isoformat(order.created_at),
        "updatedAt": isoformat(order.updated_at),
    }
    if fills is not None:
        body["fills"] = [fill_body(fill) for fill in fills]
    return body


def balance_body(row):
    return {
        "asset": row.asset,
        "available": _amount(row.available),
        "locked": _amount(row.locked),
        "total": _amount(row.available + row.locked),
    }


def position_body(position, current_price=None):
    """A position with its current price and unrealized PnL (None without a
    price: the market data source may be down)."""
    from trading.choices import PositionStatus

    is_open = position.status == PositionStatus.OPEN
    unrealized = None
    if current_price is not None and is_open:
        unrealized = (current_price - position.avg_entry_price) * position.quantity
        unrealized = unrealized.quantize(Decimal("1e-8"))

    def exit_price(order):
        if order is None or not order.is_active:
            return None
        return _amount(order.stop_price)

    return {
        "id": str(position.pk),
        "symbol": position.symbol,
        "side": "LONG",
        "status": position.status,
        "quantity": _amount(position.quantity),
        "entryPrice": _amount(position.avg_entry_price),
        "currentPrice": _amount(current_price) if is_open else None,
        "marketValue": (
            _amount((current_price * position.quantity).quantize(Decimal("1e-8")))
            if current_price is not None and is_open
            else None
        ),
        "unrealizedPnl": _amount(unrealized),
        "realizedPnl": _amount(position.realized_pnl),
        "fees": _amount(position.fees),
        "stopLoss": exit_price(position.stop_loss_order),
        "takeProfit": exit_price(position.take_profit_order),
        "openedAt": isoformat(position.opened_at),
        "closedAt": isoformat(position.closed_at) if position.closed_at else None,
    }
