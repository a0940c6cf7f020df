"""The AMD texts follow Accept-Language, Spanish unless English is preferred."""

import pytest

from mlsignals.texts import describe, language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "es"),
        ("", "es"),
        ("fr-FR", "es"),
        ("en", "en"),
        ("en-GB,en;q=0.8", "en"),
        ("es-ES,en;q=0.5", "es"),
        ("de,en;q=0.7,es;q=0.9", "es"),
        ("de,es;q=0.3,en;q=0.6", "en"),
    ],
)
def test_it_picks_the_language_the_client_prefers(header, expected):
    assert language(header) == expected


def test_every_phase_and_direction_has_both_languages():
    for phase, bias in [
        ("ACCUMULATION", 0),
        ("MANIPULATION", 1),
        ("MANIPULATION", -1),
        ("DISTRIBUTION", 1),
        ("DISTRIBUTION", -1),
    ]:
        spanish, english = describe(phase, bias, "es"), describe(phase, bias, "en")
        assert spanish != english and all(spanish) and all(english)
