"""Time-ordered primary keys."""

import time
import uuid

from core.ids import uuid7


def test_a_uuid7_carries_its_version_variant_and_time():
    before = time.time_ns() // 1_000_000
    key = uuid7()
    after = time.time_ns() // 1_000_000

    assert key.version == 7
    assert key.variant == uuid.RFC_4122
    assert before <= key.int >> 80 <= after


def test_keys_made_in_later_milliseconds_sort_after():
    first = uuid7()
    time.sleep(0.002)
    second = uuid7()

    assert first < second
    assert str(first) < str(second)


def test_keys_are_distinct():
    keys = {uuid7() for _ in range(10_000)}

    assert len(keys) == 10_000
