"""The upper bound on a search's share of the store, from the planner's lexeme statistics."""

from __future__ import annotations

import pytest

from services.api.hit_density import LexemeShares, query_share

SHARES = LexemeShares({"minist": 0.35, "prime": 0.15, "rate": 0.2}, unlisted=0.05)


@pytest.mark.parametrize(
    ("tsquery", "share"),
    [
        ("'minist'", 0.35),
        ("'glacier'", 0.05),  # not listed: rarer than the rarest listed
        ("'prime' <-> 'minist'", 0.15),  # a phrase: at most its rarer word
        ("'prime' <2> 'minist'", 0.15),
        ("'prime' & 'rate'", 0.15),
        ("'prime' | 'rate'", 0.35),
        ("'minist' | 'rate' | 'prime' | 'glacier'", 0.75),
        ("'minist' & !'rate'", 0.35),  # a negation bounds nothing
        ("!'rate'", 1.0),
        ("( 'glacier' | 'rate' ) & 'prime'", 0.15),
        ("'glacier' | 'rate' & 'prime'", 0.2),  # & binds tighter than |
        ("'minist':* & 'it''s'", 0.05),
        ("", 1.0),
    ],
)
def test_share_is_an_upper_bound_by_the_query_shape(tsquery: str, share: float) -> None:
    assert query_share(tsquery, SHARES) == pytest.approx(share)


def test_shares_never_exceed_the_whole_store() -> None:
    assert query_share("'minist' | 'minist' | 'minist' | 'minist'", SHARES) == 1.0
