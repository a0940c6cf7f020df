"""A deterministic market: every candle is a pure function of (symbol, minute).

Two layers, both drawn from counter-based generators keyed by the symbol, so any
range can be produced without generating what comes before it:

* a day-level path, generated once per symbol and kept in memory: a Markov chain of
  regimes (ranging, trending up, trending down), GARCH(1,1) volatility with
  fat-tailed shocks, and a weak pull towards a long-run trend so that prices stay
  plausible for decades;
* the minutes of one day, generated from a generator keyed by (symbol, day) as a
  bridge from that day's open to its close: an intraday volatility profile,
  clustered minute volatility, occasional stop-hunt wicks, and volume and trade
  counts that follow the size of the moves.

The minute containing "now" is cut at the current second from a path of seconds
that stays inside the minute's high and low, so prices move between minutes and
the current candle only shows what has happened so far.
"""

import functools
import hashlib
import logging
import math
import threading
from collections import OrderedDict
from datetime import UTC, datetime

import numpy as np
from scipy.signal import lfilter

from trading.market.candles import E8, Candles
from trading.market.intervals import DAY_MS, MINUTE_MS

logger = logging.getLogger(__name__)

EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
EPOCH_MS = int(EPOCH.timestamp() * 1000)
EPOCH_DAY = EPOCH_MS // DAY_MS
HORIZON_DAYS = 8192  # about 22 years of days from the epoch
MINUTES = 1440

# Day level: regimes and GARCH(1,1).
REGIME_STAY = 0.985  # a regime lasts about 66 days on average
RANGING, BULL, BEAR = 0, 1, 2
REGIME_VOL = np.array([0.75, 1.0, 1.3])
REGIME_DRIFT = np.array([0.0, 0.12, -0.12])  # in units of the day's volatility
RANGE_REVERSION = 0.04  # pull back to where a ranging regime began, per day
GARCH_ALPHA = 0.09
GARCH_BETA = 0.88
TREND_PER_DAY = 0.0006  # the long-run trend the path is weakly pulled towards
TREND_REVERSION = 0.003
SHOCK_DF = 4
MAX_VOL_MULTIPLE = 4.0

# Minute level.
MINUTE_PERSISTENCE = 0.995  # AR(1) of log volatility inside a day
MINUTE_VOL_OF_VOL = 0.45
MINUTE_SHOCK_DF = 5
STOP_HUNTS_PER_DAY = 0.7
TRADES_PER_MINUTE = 150

DAY_CACHE_SIZE = 256  # minute arrays of one day are ~100 kB
SECONDS_CACHE_SIZE = 64


def _seed(spec):
    return _seed_of(spec.symbol, spec.sim_price, spec.sim_daily_volatility)


@functools.lru_cache(maxsize=1024)
def _seed_of(symbol, price, volatility):
    text = f"{symbol}:{price}:{volatility}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big")


def _generator(seed, *counter):
    sequence = np.random.SeedSequence(seed, spawn_key=counter)
    return np.random.Generator(np.random.Philox(sequence))


def _intraday_profile():
    """Relative volatility per minute of the day: calm in Asia's night, busiest
    when Europe and the US overlap. Normalised to a mean square of 1."""
    hours = np.arange(MINUTES) / 60
    profile = (
        0.8
        + 0.55 * np.exp(-(((hours - 14.5) / 2.2) ** 2))
        + 0.25 * np.exp(-(((hours - 8.0) / 1.8) ** 2))
        + 0.15 * np.exp(-(((hours - 0.5) / 1.0) ** 2))
    )
    return profile / np.sqrt(np.mean(profile**2))


PROFILE = _intraday_profile()


class DayPath:
    """Log prices at each day's open, the day's volatility and its regime."""

    def __init__(self, spec):
        rng = _generator(_seed(spec), 0)
        n = HORIZON_DAYS
        base_vol = float(spec.sim_daily_volatility)
        switch = rng.random(n)
        jump = rng.integers(1, 3, n)
        shocks = rng.standard_t(SHOCK_DF, n) / math.sqrt(SHOCK_DF / (SHOCK_DF - 2))

        omega = base_vol**2 * (1 - GARCH_ALPHA - GARCH_BETA)
        start = math.log(float(spec.sim_price))
        log_open = np.empty(n + 1)
        sigma = np.empty(n)
        regime = np.empty(n, dtype=np.int8)
        log_open[0] = level = anchor = start
        variance = base_vol**2
        state = RANGING
        # Sequential by nature (GARCH feeds on its own past); ~8k steps run once.
        for day in range(n):
            if switch[day] > REGIME_STAY:
                state = (state + int(jump[day])) % 3
                anchor = level
            vol = math.sqrt(variance) * REGIME_VOL[state]
            drift = REGIME_DRIFT[state] * vol
            if state == RANGING:
                drift -= RANGE_REVERSION * (level - anchor)
            drift -= TREND_REVERSION * (level - start - TREND_PER_DAY * day)
            level += drift + vol * shocks[day]
            # The regime scales the day's move but not the GARCH recursion, which
            # would otherwise turn explosive in the volatile regime.
            innovation = math.sqrt(variance) * shocks[day]
            variance = omega + GARCH_ALPHA * innovation**2 + GARCH_BETA * variance
            variance = min(variance, MAX_VOL_MULTIPLE**2 * base_vol**2)
            log_open[day + 1] = level
            sigma[day] = vol
            regime[day] = state
        self.log_open = log_open
        self.sigma = sigma
        self.regime = regime


class SimulatedMarket:
    """The model for every symbol; thread-safe, caches per process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._paths = {}
        self._days = OrderedDict()
        self._daily = {}
        self._seconds = OrderedDict()

    # Day level ------------------------------------------------------------------

    def path(self, spec):
        key = _seed(spec)
        path = self._paths.get(key)
        if path is None:
            path = DayPath(spec)
            with self._lock:
                self._paths[key] = path
        return path

    def day_index(self, ms):
        day = ms // DAY_MS - EPOCH_DAY
        if not 0 <= day < HORIZON_DAYS:
            raise ValueError(f"{ms} is outside the simulated market's range")
        return day

    # Minutes of one day -----------------------------------------------------------

    def day_minutes(self, spec, day):
        """The 1440 complete minutes of day ``day`` (counted from the epoch)."""
        key = (_seed(spec), day)
        with self._lock:
            candles = self._days.get(key)
            if candles is not None:
                self._days.move_to_end(key)
                return candles
        candles = self._generate_day(spec, day)
        with self._lock:
            self._days[key] = candles
            while len(self._days) > DAY_CACHE_SIZE:
                self._days.popitem(last=False)
        return candles

    def _generate_day(self, spec, day):
        path = self.path(spec)
        rng = _generator(_seed(spec), 1, day)
        tick = spec.tick_e8
        step = spec.step_e8
        day_sigma = path.sigma[day]
        base_vol = float(spec.sim_daily_volatility)

        # Clustered minute volatility around the intraday profile, scaled so the
        # day's variance is the day path's.
        noise = rng.standard_normal(MINUTES) * math.sqrt(1 - MINUTE_PERSISTENCE**2)
        clustering = lfilter([1.0], [1.0, -MINUTE_PERSISTENCE], noise)
        sig = PROFILE * np.exp(MINUTE_VOL_OF_VOL * clustering)
        sig *= day_sigma / np.sqrt(np.sum(sig**2))

        # A bridge from the day's open to its close.
        shocks = rng.standard_t(MINUTE_SHOCK_DF, MINUTES) / math.sqrt(
            MINUTE_SHOCK_DF / (MINUTE_SHOCK_DF - 2)
        )
        steps = sig * shocks
        walk = np.cumsum(steps)
        day_return = path.log_open[day + 1] - path.log_open[day]
        fraction = np.arange(1, MINUTES + 1) / MINUTES
        log_close = path.log_open[day] + walk - fraction * (walk[-1] - day_return)

        def to_ticks(log_price, rounding=np.rint):
            ticks = rounding(np.exp(log_price) * E8 / tick).astype(np.int64)
            return np.maximum(ticks, 1) * tick

        close = to_ticks(log_close)
        close[-1] = to_ticks(np.array([path.log_open[day + 1]]))[0]
        open_ = np.empty_like(close)
        open_[0] = to_ticks(np.array([path.log_open[day]]))[0]
        open_[1:] = close[:-1]

        # Wicks: a Brownian excursion beyond the body, and a few stop hunts a day
        # that spike far through it and snap back within the minute.
        top = np.maximum(open_, close)
        bottom = np.minimum(open_, close)
        up = sig * np.abs(rng.standard_normal(MINUTES)) * 0.7
        down = sig * np.abs(rng.standard_normal(MINUTES)) * 0.7
        hunts = rng.poisson(STOP_HUNTS_PER_DAY)
        hunt_at = rng.integers(0, MINUTES, hunts)
        hunt_up = rng.random(hunts) < 0.5
        hunt_size = day_sigma * rng.uniform(0.35, 0.9, hunts)
        up[hunt_at[hunt_up]] += hunt_size[hunt_up]
        down[hunt_at[~hunt_up]] += hunt_size[~hunt_up]
        high = np.maximum(top, to_ticks(np.log(top / E8) + up, np.ceil))
        low = np.minimum(bottom, to_ticks(np.log(bottom / E8) - down, np.floor))

        # Volume follows volatility and the size of each move; hunts draw crowds.
        activity = sig / (base_vol / math.sqrt(MINUTES))
        surprise = 0.5 + 0.5 * np.abs(shocks)
        mean_volume = float(spec.sim_minute_volume)
        volume = (
            mean_volume * activity**1.2 * surprise * rng.lognormal(0.0, 0.3, MINUTES)
        )
        volume[hunt_at] *= rng.uniform(4.0, 9.0, hunts)
        volume_e8 = np.maximum(np.rint(volume * E8 / step), 1).astype(np.int64) * step
        trades = np.maximum(
            np.rint(
                volume
                / mean_volume
                * TRADES_PER_MINUTE
                * rng.lognormal(0.0, 0.15, MINUTES)
            ),
            1,
        ).astype(np.int64)
        typical = (open_ + high + low + close) / 4
        quote_e8 = np.rint(volume_e8 / E8 * typical).astype(np.int64)
        # Takers buy more in the minutes that rise.
        buy_share = np.clip(
            0.5 + 0.25 * np.tanh(shocks) + rng.normal(0.0, 0.05, MINUTES), 0.05, 0.95
        )
        taker_base = np.rint(volume_e8 * buy_share / step).astype(np.int64) * step
        taker_base = np.minimum(taker_base, volume_e8)
        taker_quote = np.minimum(
            np.rint(quote_e8 * (taker_base / volume_e8)).astype(np.int64), quote_e8
        )

        opens = (EPOCH_DAY + day) * DAY_MS + np.arange(MINUTES, dtype=np.int64) * (
            MINUTE_MS
        )
        return Candles(
            open_time=opens,
            close_time=opens + MINUTE_MS - 1,
            open=open_,
            high=high,
            low=low,
            close=close,
            volume=volume_e8,
            quote_volume=quote_e8,
            trades=trades,
            taker_base=taker_base,
            taker_quote=taker_quote,
        )

    # The minute in progress ----------------------------------------------------------

    def seconds(self, spec, minute_open_ms, candle):
        """Prices at the end of each second of one minute (60 e8 integers).

        The path starts from the open, ends on the close, touches the high and the
        low once each and never leaves them, so cutting it at any second gives a
        candle consistent with the complete one.
        """
        o, h, lo, c = (
            int(candle.open[0]),
            int(candle.high[0]),
            int(candle.low[0]),
            int(candle.close[0]),
        )
        key = (_seed(spec), minute_open_ms, o, h, lo, c)
        prices = self._seconds.get(key)
        if prices is None:
            prices = self._seconds_path(spec, minute_open_ms, o, h, lo, c)
            with self._lock:
                self._seconds[key] = prices
                while len(self._seconds) > SECONDS_CACHE_SIZE:
                    self._seconds.popitem(last=False)
        return prices

    def _seconds_path(self, spec, minute_open_ms, o, h, lo, c):
        rng = _generator(_seed(spec), 2, minute_open_ms // MINUTE_MS)
        steps = rng.standard_normal(60)
        walk = np.cumsum(steps)
        fraction = np.arange(1, 61) / 60
        bridge = walk - fraction * walk[-1]
        spread = max(h - lo, spec.tick_e8)
        raw = o + (c - o) * fraction + bridge / (np.abs(bridge).max() or 1) * spread / 2
        tick = spec.tick_e8
        prices = np.clip(np.rint(raw / tick).astype(np.int64) * tick, lo, h)
        at_high, at_low = rng.choice(np.arange(1, 59), size=2, replace=False)
        prices[at_high] = h
        prices[at_low] = lo
        prices[59] = c
        return prices

    def partial_minute(self, spec, candle, now_ms):
        """The one-minute ``candle`` as it stands at ``now_ms`` inside it."""
        minute_open = int(candle.open_time[0])
        second = min((now_ms - minute_open) // 1000, 59)
        if second >= 59:
            return candle
        prices = self.seconds(spec, minute_open, candle)[: second + 1]
        o = int(candle.open[0])
        done = (second + 1) / 60
        step = spec.step_e8
        volume = int(candle.volume[0]) * (second + 1) // 60 // step * step
        taker = min(
            int(candle.taker_base[0]) * (second + 1) // 60 // step * step, volume
        )
        return Candles(
            open_time=candle.open_time,
            close_time=candle.close_time,
            open=candle.open,
            high=[max(o, int(prices.max()))],
            low=[min(o, int(prices.min()))],
            close=[int(prices[-1])],
            volume=[volume],
            quote_volume=[int(candle.quote_volume[0]) * (second + 1) // 60],
            trades=[int(round(int(candle.trades[0]) * done))],
            taker_base=[taker],
            taker_quote=[int(candle.taker_quote[0]) * (second + 1) // 60],
        )

    # Ranges --------------------------------------------------------------------------

    def minutes(self, spec, start_ms, end_ms, now_ms):
        """One-minute candles opening in ``[start_ms, end_ms)`` and by ``now_ms``;
        the minute containing ``now_ms`` is partial."""
        start_ms = max(start_ms, EPOCH_MS)
        end_ms = min(end_ms, now_ms // MINUTE_MS * MINUTE_MS + MINUTE_MS)
        if end_ms <= start_ms:
            return Candles.empty()
        first_day = self.day_index(start_ms)
        last_day = self.day_index(end_ms - 1)
        days = [self.day_minutes(spec, day) for day in range(first_day, last_day + 1)]
        candles = Candles.concat(days)
        offset = first_day * MINUTES + EPOCH_DAY * MINUTES
        lo = start_ms // MINUTE_MS - offset
        hi = (end_ms - 1) // MINUTE_MS - offset + 1
        candles = candles.slice(lo, hi)
        if len(candles) and candles.open_time[-1] + MINUTE_MS > now_ms:
            last = self.partial_minute(spec, candles.slice(-1), now_ms)
            candles = Candles.concat([candles.slice(0, -1), last])
        return candles

    def days(self, spec, start_ms, end_ms, now_ms):
        """Daily candles opening in ``[start_ms, end_ms)``; today's is partial."""
        start_ms = max(start_ms, EPOCH_MS)
        today = now_ms // DAY_MS * DAY_MS
        end_ms = min(end_ms, today + DAY_MS)
        if end_ms <= start_ms:
            return Candles.empty()
        parts = []
        for day_open in range(start_ms // DAY_MS * DAY_MS, end_ms, DAY_MS):
            if day_open == today:
                minutes = self.minutes(spec, today, today + DAY_MS, now_ms)
                parts.append(minutes.aggregate("1d"))
            else:
                parts.append(self._daily_candle(spec, self.day_index(day_open)))
        return Candles.concat(parts)

    # TODO: a daily candle needs its day's minutes generated once per process, so
    # the first weekly or monthly request over the whole history takes seconds;
    # a day-level high/low model (or a shared cache) would make it instant.
    def _daily_candle(self, spec, day):
        key = (_seed(spec), day)
        candle = self._daily.get(key)
        if candle is None:
            candle = self.day_minutes(spec, day).aggregate("1d")
            with self._lock:
                self._daily[key] = candle
        return candle


market = SimulatedMarket()
