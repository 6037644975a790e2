"""Wire credits: the literal pre-check in front of each credit's pattern finds exactly what the
pattern alone finds (it only skips texts the pattern cannot match)."""

from __future__ import annotations

import pytest

from services.enrich.near_duplicates import _CREDITS, wire_credits

CASES = [
    ("LONDON (Reuters) - Shares fell.", {"reuters"}),
    ("Reutersville mayor said", set()),
    ("WASHINGTON (AP) — The Senate voted.", {"ap"}),
    ("the Associated Press reported", {"ap"}),
    ("an APPLE a day (APX)", set()),
    ("PARIS (AFP) - Strikes.", {"afp"}),
    ("AFP and Agence France-Presse", {"afp"}),
    ("AFPX said", set()),
    ("AFP reported", {"afp"}),
    ("BERLIN (dpa) - Rain.", {"dpa"}),
    ("Deutsche Presse-Agentur wrote", {"dpa"}),
    ("(DPA) in capitals", set()),
    ("Bloomberg News; Bloombergs", {"bloomberg"}),
    ("(UPI) and United Press International", {"upi"}),
    ("Reuters, (AP), AFP, (dpa), Bloomberg and (UPI)", set(_CREDITS)),
    ("", set()),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_credits_found_as_the_patterns_alone_find_them(text: str, expected: set[str]) -> None:
    by_pattern = {name for name, pattern in _CREDITS.items() if pattern.search(text)}
    assert by_pattern == expected
    assert wire_credits(text) == expected
