"""AMD phases (accumulation, manipulation, distribution: the "power of three").

The algorithm reads candles one at a time, in order, and keeps a small state, so
the phase of a candle depends only on that candle and the ones before it: adding
candles later never changes an earlier label.

At each candle ``t`` (after a warm-up of ``RANGE_WINDOW + ATR_PERIOD`` candles):

* The window is the last ``RANGE_WINDOW`` candles up to ``t``. It is *compressed*
  when its high-low width is at most ``RANGE_ATR`` times the ATR(14) of ``t`` and
  its efficiency ratio (net close change over the sum of absolute changes) is at
  most ``MAX_EFFICIENCY``: price went back and forth without getting anywhere.
* **Accumulation**: a compressed window. Its low and high become the range.
* **Manipulation**: from accumulation, a candle trades beyond the range (a
  liquidity sweep) without closing more than ``BREAK_ATR`` ATRs beyond it. A
  sweep below the range is bullish (sell stops taken before a move up), above it
  bearish.
* **Distribution**: price expands away from the range: after a bullish sweep a
  close above the range high (bearish: below the low); a close more than
  ``BREAK_ATR`` ATRs beyond the range from accumulation or against the sweep is
  an expansion in that direction too. Distribution lasts until the window is
  compressed again. A manipulation that resolves neither way within
  ``MANIPULATION_MAX`` candles returns to accumulation.

``confidence`` is measured, not asserted: for the current phase, the share of
its earlier episodes on the same candles (each finished before ``t``) that
played out as the cycle expects, with a Laplace prior of one success and one
failure. An accumulation succeeds when a manipulation follows it; a
manipulation when distribution follows in the sweep's direction; a distribution
when price ended the episode beyond where it started in its direction.
``next_phase`` is the phase that most often followed the current one so far (the
cycle's next phase when there is no history yet).
"""

from dataclasses import dataclass

import numpy as np
import talib

from mlsignals.engine.frames import columns

RANGE_WINDOW = 20
ATR_PERIOD = 14
RANGE_ATR = 6.0
MAX_EFFICIENCY = 0.3
BREAK_ATR = 1.0
MANIPULATION_MAX = 10

NONE, ACCUMULATION, MANIPULATION, DISTRIBUTION = -1, 0, 1, 2
NAMES = {
    ACCUMULATION: "ACCUMULATION",
    MANIPULATION: "MANIPULATION",
    DISTRIBUTION: "DISTRIBUTION",
}
CYCLE_NEXT = {
    ACCUMULATION: MANIPULATION,
    MANIPULATION: DISTRIBUTION,
    DISTRIBUTION: ACCUMULATION,
}


@dataclass
class Labels:
    """Per-candle arrays aligned with the frame."""

    phase: np.ndarray  # int8: NONE, ACCUMULATION, MANIPULATION, DISTRIBUTION
    bias: np.ndarray  # int8: +1 bullish, -1 bearish, 0 none
    range_low: np.ndarray
    range_high: np.ndarray
    confidence: np.ndarray
    next_phase: np.ndarray
    atr: np.ndarray

    def __len__(self):
        return len(self.phase)


def _window_stats(high, low, close):
    n = RANGE_WINDOW
    win_high = talib.MAX(high, n)
    win_low = talib.MIN(low, n)
    atr = talib.ATR(high, low, close, ATR_PERIOD)
    change = np.full(len(close), np.nan)
    change[n:] = np.abs(close[n:] - close[:-n])
    path = talib.SUM(np.r_[np.nan, np.abs(np.diff(close))], n)
    with np.errstate(invalid="ignore", divide="ignore"):
        efficiency = np.where(path > 0, change / np.where(path > 0, path, 1), 0.0)
    compressed = (win_high - win_low <= RANGE_ATR * atr) & (
        efficiency <= MAX_EFFICIENCY
    )
    return win_high, win_low, atr, compressed


class _Tally:
    """Episode outcomes and transitions seen so far (the measured confidence)."""

    def __init__(self):
        self.wins = {ACCUMULATION: 0, MANIPULATION: 0, DISTRIBUTION: 0}
        self.total = {ACCUMULATION: 0, MANIPULATION: 0, DISTRIBUTION: 0}
        self.after = {p: {q: 0 for q in NAMES} for p in NAMES}

    def record(self, phase, success, next_phase):
        self.total[phase] += 1
        self.wins[phase] += 1 if success else 0
        self.after[phase][next_phase] += 1

    def confidence(self, phase):
        return (self.wins[phase] + 1) / (self.total[phase] + 2)

    def next_phase(self, phase):
        counts = self.after[phase]
        best = max(counts.values())
        if best == 0:
            return CYCLE_NEXT[phase]
        # Ties go to the cycle's own order.
        if counts[CYCLE_NEXT[phase]] == best:
            return CYCLE_NEXT[phase]
        return max(counts, key=counts.get)


def label(frame):
    """AMD labels for every candle of ``frame`` (see the module docstring)."""
    cols = columns(frame)
    high, low, close = cols["high"], cols["low"], cols["close"]
    win_high, win_low, atr, compressed = _window_stats(high, low, close)
    n = len(close)

    phase = np.full(n, NONE, dtype=np.int8)
    bias = np.zeros(n, dtype=np.int8)
    range_low = np.full(n, np.nan)
    range_high = np.full(n, np.nan)
    confidence = np.full(n, np.nan)
    next_phase = np.full(n, NONE, dtype=np.int8)

    # Python lists: scalar reads from them are several times faster than numpy's.
    hi, lo, cl = high.tolist(), low.tolist(), close.tolist()
    whi, wlo, atr_l, comp = (
        win_high.tolist(),
        win_low.tolist(),
        atr.tolist(),
        (compressed.tolist()),
    )

    tally = _Tally()
    state, direction = NONE, 0
    r_lo = r_hi = float("nan")
    age = 0
    episode_start_close = 0.0
    warmup = RANGE_WINDOW + ATR_PERIOD

    def switch(new_state, new_direction, t, success):
        nonlocal state, direction, age, episode_start_close
        if state != NONE:
            tally.record(state, success, new_state)
        state, direction, age = new_state, new_direction, 0
        episode_start_close = cl[t]

    for t in range(warmup, n):
        a = atr_l[t]
        if a != a:  # NaN: not enough data yet
            continue
        age += 1
        if state == NONE:
            if comp[t]:
                switch(ACCUMULATION, 0, t, False)
                r_lo, r_hi = wlo[t], whi[t]
            else:
                up = cl[t] >= cl[t - RANGE_WINDOW]
                switch(DISTRIBUTION, 1 if up else -1, t, False)
                r_lo, r_hi = wlo[t], whi[t]
        elif state == ACCUMULATION:
            if cl[t] < r_lo - BREAK_ATR * a:
                switch(DISTRIBUTION, -1, t, False)
            elif cl[t] > r_hi + BREAK_ATR * a:
                switch(DISTRIBUTION, 1, t, False)
            elif lo[t] < r_lo and r_lo - lo[t] >= hi[t] - r_hi:
                switch(MANIPULATION, 1, t, True)
            elif hi[t] > r_hi:
                switch(MANIPULATION, -1, t, True)
            elif comp[t]:
                r_lo, r_hi = wlo[t], whi[t]
        elif state == MANIPULATION:
            if direction > 0 and cl[t] > r_hi:
                switch(DISTRIBUTION, 1, t, True)
            elif direction < 0 and cl[t] < r_lo:
                switch(DISTRIBUTION, -1, t, True)
            elif direction > 0 and cl[t] < r_lo - BREAK_ATR * a:
                switch(DISTRIBUTION, -1, t, False)
            elif direction < 0 and cl[t] > r_hi + BREAK_ATR * a:
                switch(DISTRIBUTION, 1, t, False)
            elif age > MANIPULATION_MAX:
                switch(ACCUMULATION, 0, t, False)
                r_lo, r_hi = wlo[t], whi[t]
        elif state == DISTRIBUTION:
            if comp[t]:
                moved = (cl[t] - episode_start_close) * direction
                switch(ACCUMULATION, 0, t, moved > 0)
                r_lo, r_hi = wlo[t], whi[t]

        phase[t] = state
        bias[t] = direction
        range_low[t], range_high[t] = r_lo, r_hi
        confidence[t] = tally.confidence(state)
        next_phase[t] = tally.next_phase(state)

    return Labels(
        phase=phase,
        bias=bias,
        range_low=range_low,
        range_high=range_high,
        confidence=confidence,
        next_phase=next_phase,
        atr=atr,
    )


def zones(labels, times):
    """Runs of one phase as ``(phase, bias, start index, end index)``."""
    runs = []
    phase = labels.phase
    start = None
    for t in range(len(phase)):
        if phase[t] == NONE:
            start = None
            continue
        if (
            start is None
            or phase[t] != phase[start]
            or labels.bias[t] != labels.bias[start]
        ):
            if start is not None:
                runs.append((int(phase[start]), int(labels.bias[start]), start, t - 1))
            start = t
    if start is not None:
        runs.append((int(phase[start]), int(labels.bias[start]), start, len(phase) - 1))
    return runs
