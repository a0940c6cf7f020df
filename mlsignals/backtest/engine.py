"""The backtest engine: a strategy's targets, filled as a market would fill them.

Rules (each is what the tests pin down):

- No look-ahead: the strategy decides on a closed candle ``t`` and the order
  fills at the open of candle ``t + 1``. A decision on the last candle is never
  filled.
- Fills: a market order fills at the open, worse by ``slippage`` (a buy pays
  ``open * (1 + slippage)``, a sell gets ``open * (1 - slippage)``). A stop loss
  is a stop-market order: it fills at the stop, or at the open when the candle
  gapped through it, worse by ``slippage``. A take profit is a limit order: at
  the target, or at the open when the candle gapped past it, without slippage.
- Stops are checked intrabar, from the candle of the entry on: a long's stop is
  touched when the low reaches it, its target when the high does (mirrored for
  shorts). When both are touched in one candle the stop counts first: candles
  say nothing of the order inside them, so the engine assumes the worse.
- Commission on both sides: ``commission`` times the traded value at each fill.
- Sizing: a new position uses ``position_size`` of the equity at the fill,
  fees included: ``quantity = floor_step(size * equity / (fill * (1 +
  commission)))``, rounded down to ``quantity_step`` (the symbol's lot size).
- Long only by default: a short target then means flat. With ``allow_short`` a
  short target reverses a long in one step (close, then open at the same open).
- A position still open after the last candle is closed at its close (exit
  reason ``END``), so that every figure is realised.

Money is Decimal: the cash, quantities, fill prices, fees and profits of every
trade. The per-candle equity curve (cash plus the position marked at each
close) is float64: it feeds statistics (returns, drawdown, Sharpe) over
hundreds of thousands of candles; the equity points the API shows are
recomputed in Decimal from the same ledger.
"""

import logging
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

import numpy as np

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
ONE = Decimal(1)
MONEY = Decimal("1e-8")
EQUITY_POINTS = 500

SIGNAL, STOP_LOSS, TAKE_PROFIT, END = "SIGNAL", "STOP_LOSS", "TAKE_PROFIT", "END"


@dataclass(frozen=True)
class Settings:
    initial_capital: Decimal = Decimal(10000)
    commission: Decimal = Decimal("0.001")
    slippage: Decimal = ZERO
    position_size: Decimal = ONE
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    allow_short: bool = False
    quantity_step: Decimal = MONEY


@dataclass
class Trade:
    side: str
    entry_bar: int
    entry_price: Decimal
    quantity: Decimal
    entry_fee: Decimal
    exit_bar: int = -1
    exit_price: Decimal = ZERO
    exit_fee: Decimal = ZERO
    exit_reason: str = ""

    @property
    def pnl(self):
        move = self.exit_price - self.entry_price
        if self.side == "SHORT":
            move = -move
        return self.quantity * move - self.entry_fee - self.exit_fee

    @property
    def cost(self):
        return self.quantity * self.entry_price


@dataclass
class Result:
    trades: list
    equity: np.ndarray  # float64 per candle, marked at its close
    final_cash: Decimal
    segments: list = field(default_factory=list)  # (start bar, cash, signed qty)
    skipped_entries: int = 0

    def equity_at(self, bar, close):
        """Equity at ``bar``'s close in Decimal, from the ledger."""
        starts = [segment[0] for segment in self.segments]
        index = int(np.searchsorted(starts, bar, side="right")) - 1
        _, cash, quantity = self.segments[index]
        return cash + quantity * close


def _price(value):
    """A float candle price as the Decimal it was (prices carry 8 decimals)."""
    return Decimal(repr(float(value))).quantize(MONEY)


def _first(mask):
    """Index of the first True, or -1."""
    if not len(mask):
        return -1
    at = int(np.argmax(mask))
    return at if mask[at] else -1


def _next_at_or_after(indices, bar):
    at = int(np.searchsorted(indices, bar, side="left"))
    return int(indices[at]) if at < len(indices) else -1


def run(candles, targets, settings=Settings()):
    """Fill ``targets`` (one per candle: +1, 0, -1 or NaN) over ``candles``."""
    o = candles["open"].to_numpy(dtype="float64")
    h = candles["high"].to_numpy(dtype="float64")
    lo = candles["low"].to_numpy(dtype="float64")
    c = candles["close"].to_numpy(dtype="float64")
    n = len(c)
    targets = np.asarray(targets, dtype="float64")
    if not settings.allow_short:
        targets = np.where(targets < 0, 0.0, targets)

    decided = np.flatnonzero(~np.isnan(targets))
    wants = targets[decided]
    by_value = {value: decided[wants == value] for value in (1.0, 0.0, -1.0)}
    entries = decided[wants != 0]

    commission, slippage = settings.commission, settings.slippage
    step = settings.quantity_step
    sl, tp = settings.stop_loss, settings.take_profit
    cash = settings.initial_capital
    equity = np.empty(n)
    trades, segments = [], [(0, cash, ZERO)]
    skipped = 0
    flat_from = 0  # first candle whose close is marked flat with `cash`
    bar = 0  # first candle whose decision may open a position

    while True:
        decision = _next_at_or_after(entries, bar)
        if decision < 0 or decision + 1 >= n:
            break
        entry_bar = decision + 1
        side = targets[decision]
        long = side > 0

        fill = _price(o[entry_bar]) * (ONE + slippage if long else ONE - slippage)
        budget = settings.position_size * cash
        quantity = (budget / (fill * (ONE + commission)) / step).to_integral_value(
            ROUND_DOWN
        ) * step
        if quantity <= 0 or cash <= 0:
            skipped += 1
            bar = entry_bar
            continue
        fee = (quantity * fill * commission).quantize(MONEY)
        trade = Trade(
            side="LONG" if long else "SHORT",
            entry_bar=entry_bar,
            entry_price=fill.quantize(MONEY),
            quantity=quantity,
            entry_fee=fee,
        )
        equity[flat_from:entry_bar] = float(cash)
        signed = quantity if long else -quantity
        cash = cash - signed * trade.entry_price - fee
        segments.append((entry_bar, cash, signed))

        # The first candle after the entry whose decision leaves this side.
        leave = [_next_at_or_after(by_value[0.0], entry_bar)]
        leave.append(_next_at_or_after(by_value[-side], entry_bar))
        leave = [at for at in leave if at >= 0]
        signal_bar = min(leave) if leave else -1
        last_held = signal_bar if signal_bar >= 0 else n - 1

        exit_bar, reason, exit_price = _stops(
            trade, sl, tp, o, h, lo, entry_bar, last_held
        )
        if exit_bar < 0:
            if signal_bar >= 0 and signal_bar + 1 < n:
                exit_bar, reason = signal_bar + 1, SIGNAL
                raw = _price(o[exit_bar])
            else:
                exit_bar, reason = n - 1, END
                raw = _price(c[n - 1])
            exit_price = raw * (ONE - slippage if long else ONE + slippage)
        elif reason == STOP_LOSS:
            exit_price = exit_price * (ONE - slippage if long else ONE + slippage)

        trade.exit_bar = exit_bar
        trade.exit_price = exit_price.quantize(MONEY)
        trade.exit_reason = reason
        trade.exit_fee = (quantity * trade.exit_price * commission).quantize(MONEY)
        trades.append(trade)

        # Marked with the position up to the candle before the exit; the exit
        # candle closes flat (a reversal's new position replaces it below).
        held = slice(entry_bar, exit_bar)
        equity[held] = float(cash) + float(signed) * c[held]
        cash = cash + signed * trade.exit_price - trade.exit_fee
        segments.append((exit_bar, cash, ZERO))
        flat_from = exit_bar
        if reason == SIGNAL:
            # A reversal is the decision at signal_bar itself.
            bar = signal_bar if targets[signal_bar] != 0 else exit_bar
        else:
            bar = exit_bar
        # TODO: shorts have no margin, borrow fee or liquidation model; a short that
        # runs far against the account only stops trading once equity is gone.
        if cash <= 0:
            logger.warning("Backtest equity exhausted at candle %d", exit_bar)
            break

    equity[flat_from:] = float(cash)
    return Result(
        trades=trades,
        equity=equity,
        final_cash=cash,
        segments=segments,
        skipped_entries=skipped,
    )


def _stops(trade, sl, tp, o, h, lo, first, last):
    """The candle, reason and raw price of a stop or target touched in
    ``[first, last]``; ``(-1, "", 0)`` when neither is."""
    if sl is None and tp is None:
        return -1, "", ZERO
    long = trade.side == "LONG"
    entry = trade.entry_price
    window = slice(first, last + 1)
    stop = target = None
    hit_stop = hit_target = -1
    if sl is not None:
        stop = entry * (ONE - sl if long else ONE + sl)
        touched = lo[window] <= float(stop) if long else h[window] >= float(stop)
        hit_stop = _first(touched)
    if tp is not None:
        target = entry * (ONE + tp if long else ONE - tp)
        touched = h[window] >= float(target) if long else lo[window] <= float(target)
        hit_target = _first(touched)
    if hit_stop >= 0 and (hit_target < 0 or hit_stop <= hit_target):
        bar = first + hit_stop
        opened = _price(o[bar])
        # Gapped through the stop: the open is the first price there was.
        price = min(opened, stop) if long else max(opened, stop)
        if bar == first:
            price = stop
        return bar, STOP_LOSS, price
    if hit_target >= 0:
        bar = first + hit_target
        opened = _price(o[bar])
        price = max(opened, target) if long else min(opened, target)
        if bar == first:
            price = target
        return bar, TAKE_PROFIT, price
    return -1, "", ZERO


def equity_points(result, candles, limit=EQUITY_POINTS):
    """Up to ``limit`` evenly spaced ``(bar, equity)`` points, always with the
    first and the last candle; equity in Decimal from the ledger."""
    n = len(result.equity)
    if not n:
        return []
    bars = np.unique(np.linspace(0, n - 1, min(n, limit)).astype(int))
    close = candles["close"].to_numpy(dtype="float64")
    return [
        (int(bar), result.equity_at(int(bar), _price(close[bar])).quantize(MONEY))
        for bar in bars
    ]
