"""Sparklines: fixed width, shape, and non-finite points kept visible."""

from __future__ import annotations

import math

from tfwatch.text.sparkline import BLOCKS, NAN_MARK, NEG_INF_MARK, POS_INF_MARK, sparkline


def test_width_is_fixed_whatever_the_length() -> None:
    for n in (0, 1, 5, 12, 13, 1000):
        assert len(sparkline([float(i) for i in range(n)], 12)) == 12


def test_rising_series_rises_from_lowest_to_highest_block() -> None:
    line = sparkline(list(range(8)), 8)
    assert line == BLOCKS


def test_short_series_is_right_aligned() -> None:
    line = sparkline([1.0, 2.0], 6)
    assert line[:4] == "    "
    assert line[4:] == BLOCKS[0] + BLOCKS[-1]


def test_nan_and_inf_buckets_are_marked_not_averaged_away() -> None:
    values = [1.0] * 90 + [math.nan] + [1.0] * 9
    line = sparkline(values, 10)
    assert line[9] == NAN_MARK
    assert NAN_MARK not in line[:9]
    assert sparkline([1.0, math.inf, 2.0], 3)[1] == POS_INF_MARK
    assert sparkline([1.0, -math.inf, 2.0], 3)[1] == NEG_INF_MARK


def test_flat_series_draws_a_mid_line() -> None:
    line = sparkline([3.0] * 20, 5)
    assert len(set(line)) == 1
    assert line[0] in BLOCKS[2:5]


def test_empty_and_zero_width() -> None:
    assert sparkline([], 4) == "    "
    assert sparkline([1.0], 0) == ""
