"""Candles as the engine reads them: a pandas DataFrame in open-time order.

Columns: ``open_time`` (UTC timestamps), ``open``, ``high``, ``low``, ``close``,
``volume`` as float64. Prices are floats inside the engine because every
statistical library works in floats; what leaves the engine as a price is
rounded back to the symbol's tick as a Decimal by the service layer.
"""

import numpy as np
import pandas as pd

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")


def make_frame(open_time, open_, high, low, close, volume):
    """A candle frame from arrays; ``open_time`` in epoch milliseconds or datetimes."""
    times = np.asarray(open_time)
    if np.issubdtype(times.dtype, np.number):
        times = pd.to_datetime(times.astype("int64"), unit="ms", utc=True)
    else:
        times = pd.to_datetime(times, utc=True)
    return pd.DataFrame(
        {
            "open_time": times,
            "open": np.asarray(open_, dtype="float64"),
            "high": np.asarray(high, dtype="float64"),
            "low": np.asarray(low, dtype="float64"),
            "close": np.asarray(close, dtype="float64"),
            "volume": np.asarray(volume, dtype="float64"),
        }
    )


def epoch_ms(frame):
    """Open times as integer epoch milliseconds."""
    naive = frame["open_time"].dt.tz_localize(None).to_numpy()
    return naive.astype("datetime64[ms]").astype(np.int64)


def epoch_seconds(frame):
    """Open times as integer seconds, as charting libraries want them."""
    return epoch_ms(frame) // 1000


def columns(frame):
    """The price columns as contiguous float64 arrays (what TA-Lib takes)."""
    return {
        name: np.ascontiguousarray(frame[name].to_numpy(dtype="float64"))
        for name in PRICE_COLUMNS
    }
