"""AMD phases and levels find the pattern they describe, and never look ahead."""

import numpy as np

from mlsignals.engine import amd, levels
from mlsignals.engine.frames import columns
from tests.mlsignals.synthetic import power_of_three, random_walk


def test_it_labels_a_range_then_a_sweep_below_then_expansion_up():
    frame, marks = power_of_three()

    labels = amd.label(frame)

    in_range = labels.phase[marks["range"] + 30 : marks["sweep"]]
    assert (in_range == amd.ACCUMULATION).mean() > 0.5
    assert labels.phase[marks["sweep"]] == amd.MANIPULATION
    assert labels.bias[marks["sweep"]] == 1
    after = labels.phase[marks["expansion"] + 3 :]
    assert (after == amd.DISTRIBUTION).all()
    assert (labels.bias[marks["expansion"] + 3 :] == 1).all()


def test_its_range_levels_frame_the_accumulation():
    frame, marks = power_of_three()
    labels = amd.label(frame)
    before_sweep = marks["sweep"] - 1
    range_lows = frame["low"].iloc[marks["range"] + 30 : marks["sweep"]]

    low = labels.range_low[before_sweep]
    high = labels.range_high[before_sweep]

    assert low >= range_lows.min() - 1e-9
    assert low <= frame["close"].iloc[before_sweep] <= high


def test_appending_candles_changes_no_earlier_label():
    full = random_walk(3000, seed=11)
    whole = amd.label(full)

    for cut in (400, 1234, 2999):
        part = amd.label(full.iloc[:cut])
        for name in ("phase", "bias", "range_low", "range_high", "confidence"):
            np.testing.assert_array_equal(
                getattr(part, name), getattr(whole, name)[:cut], err_msg=name
            )


def test_confidence_is_a_measured_share_between_zero_and_one():
    labels = amd.label(random_walk(3000, seed=12))

    known = labels.confidence[labels.phase != amd.NONE]

    assert ((known > 0) & (known < 1)).all()
    # It moves as episodes finish: it is measured, not a constant.
    assert len(np.unique(known)) > 10


def test_levels_find_the_range_edges_as_support_and_resistance():
    frame, marks = power_of_three()
    cols = columns(frame)
    labels = amd.label(frame)
    t = marks["sweep"] - 1

    found = levels.levels_at(cols["high"], cols["low"], cols["close"], labels.atr, t)
    below = [lv for lv in found if lv.kind == "support"]
    above = [lv for lv in found if lv.kind == "resistance"]
    support = max(below, key=lambda lv: lv.touches)
    resistance = max(above, key=lambda lv: lv.touches)

    range_low = cols["low"][marks["range"] + 30 : t].min()
    range_high = cols["high"][marks["range"] + 30 : t].max()
    assert abs(support.price - range_low) < 2 * labels.atr[t]
    assert abs(resistance.price - range_high) < 2 * labels.atr[t]
    assert support.touches >= 2 and resistance.touches >= 2
    assert all(0 <= level.strength <= 100 for level in found)


def test_levels_of_a_candle_do_not_change_when_candles_are_appended():
    full = random_walk(1200, seed=13)
    cols = columns(full)
    atr = amd.label(full).atr

    for t in (300, 700):
        part = full.iloc[: t + 1]
        pc = columns(part)
        before = levels.levels_at(pc["high"], pc["low"], pc["close"], atr[: t + 1], t)
        after = levels.levels_at(cols["high"], cols["low"], cols["close"], atr, t)
        assert before == after
        assert before
