"""Market data as the API answers it: camelCase bodies, Decimals at the tick."""

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
