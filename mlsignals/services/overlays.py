"""Chart overlays in the shapes TradingView lightweight-charts takes.

Series are ``[{time, value}]`` with ``time`` in epoch seconds (a candle's open
time); markers are ``{time, position, color, shape, text}``; levels are price
lines ``{price, color, title}`` with their touches and strength.
"""

from mlsignals.models import Signal
from mlsignals.services import analysis

DEFAULT_LIMIT = 200
DEFAULT_HORIZON = 24

COLORS = {
    "support": "#26a69a",
    "resistance": "#ef5350",
    "BUY": "#26a69a",
    "SELL": "#ef5350",
    "HOLD": "#9e9e9e",
    "ACCUMULATION": "rgba(33, 150, 243, 0.15)",
    "MANIPULATION": "rgba(255, 152, 0, 0.15)",
    "DISTRIBUTION": "rgba(156, 39, 176, 0.15)",
}
MARKERS = {
    "BUY": ("belowBar", "arrowUp"),
    "SELL": ("aboveBar", "arrowDown"),
    "HOLD": ("inBar", "circle"),
}


def levels(spec, timeframe, now=None):
    report = analysis.levels_report(spec, timeframe, now)
    return [
        {
            **level,
            "color": COLORS[level["type"]],
            "title": f"{level['type']} x{level['touches']}",
        }
        for level in report["levels"]
    ]


def signal_markers(spec, timeframe, limit=DEFAULT_LIMIT):
    rows = Signal.objects.filter(symbol=spec.symbol, timeframe=timeframe).order_by(
        "-candle_open"
    )[:limit]
    markers = []
    for row in reversed(list(rows)):
        position, shape = MARKERS[row.signal]
        markers.append(
            {
                "time": int(row.candle_open.timestamp()),
                "position": position,
                "color": COLORS[row.signal],
                "shape": shape,
                "text": f"{row.signal} {round(row.confidence * 100)}%",
                "signal": row.signal,
                "outcome": row.outcome,
            }
        )
    return markers


def amd_zones(spec, timeframe, limit=DEFAULT_LIMIT, now=None):
    report = analysis.amd_zones_report(spec, timeframe, limit, now)
    return [{**zone, "color": COLORS[zone["phase"]]} for zone in report["zones"]]


def prediction_bands(spec, timeframe, horizon=DEFAULT_HORIZON, now=None):
    report = analysis.prediction_report(spec, timeframe, horizon, now)
    points = report["path"]

    def series(name):
        return [{"time": p["chartTime"], "value": p[name]} for p in points]

    return {
        "model": report["model"]["name"],
        "beatsNaive": report["evaluation"]["beatsNaive"],
        "path": series("price"),
        "upper80": series("upper80"),
        "lower80": series("lower80"),
        "upper95": series("upper95"),
        "lower95": series("lower95"),
    }


def everything(spec, timeframe, limit=DEFAULT_LIMIT, now=None):
    return {
        "symbol": spec.symbol,
        "timeframe": timeframe,
        "levels": levels(spec, timeframe, now),
        "signals": signal_markers(spec, timeframe, limit),
        "amd": amd_zones(spec, timeframe, limit, now),
        "predictions": prediction_bands(spec, timeframe, now=now),
    }
