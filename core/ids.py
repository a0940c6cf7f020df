"""Primary keys that sort by creation time."""

import os
import time
import uuid


def uuid7():
    """A version 7 UUID (RFC 9562): the Unix time in milliseconds, then 74
    random bits.

    Keys of rows written one after another land side by side in the primary
    key's index, where random (version 4) keys each touch a page of their own:
    after every checkpoint PostgreSQL writes each page it touches whole to the
    write-ahead log, so scattered keys cost every insert far more log.
    """
    millis = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (random >> 68) << 64  # 12 bits of rand_a
    value |= 0b10 << 62  # variant
    value |= random & ((1 << 62) - 1)  # 62 bits of rand_b
    return uuid.UUID(int=value)
