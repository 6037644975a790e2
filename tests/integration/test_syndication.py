"""Syndication (issue 10, item 2): the same wire story from two outlets becomes one group with
the earliest as its original; a different story on the same event stays apart; `?unique=true`
lists one article per group. Both store pairs, real worker process."""

from __future__ import annotations

from tests.support.stack import Stack

WIRE = (
    "Kenya's central bank cut its main lending rate by 50 basis points on Tuesday, citing "
    "slowing inflation and a stronger shilling, in a move analysts had widely expected.\n"
    "The Monetary Policy Committee said inflation had eased to 4.1 percent in October from "
    "4.8 percent a month earlier, within the government's target range.\n"
    "Governor Kamau Thugge told reporters in Nairobi that the bank would keep watching food "
    "and fuel prices closely over the coming months.\n"
    "The shilling has gained about 15 percent against the dollar this year, helped by "
    "remittances and a eurobond buyback that eased worries about debt repayments."
)
COPY = (
    "(Reuters) - " + WIRE.replace("Tuesday", "Tuesday afternoon") + "\n"
    "Read also| Markets rally as rates hold steady\nAdvertisement"
)
OTHER_STORY = (
    "Kenyan farmers said on Tuesday that the central bank's rate cut would do little to lower "
    "the cost of fertiliser, which has doubled since last year.\n"
    "In Nakuru, growers told reporters that banks were still reluctant to lend to small "
    "farms, whatever the Monetary Policy Committee decided in Nairobi.\n"
    "Agriculture Minister Mithika Linturi said a subsidy programme would reach more than a "
    "million farmers before the long rains."
)


def test_cross_source_copies_form_one_group(stack: Stack) -> None:
    original = stack.post(
        {"text": WIRE, "source": "wire-a", "published_at": "2026-11-30T08:00:00Z"}
    )
    copy = stack.post({"text": COPY, "source": "outlet-b", "published_at": "2026-11-30T09:30:00Z"})
    other = stack.post(
        {"text": OTHER_STORY, "source": "outlet-c", "published_at": "2026-11-30T10:00:00Z"}
    )
    same_source = stack.post(
        {"text": WIRE + "\nUpdated at noon.", "source": "wire-a", "external_id": "again"}
    )
    records = {
        k: stack.wait_final(v["id"])
        for k, v in {
            "original": original,
            "copy": copy,
            "other": other,
            "same_source": same_source,
        }.items()
    }
    assert {r["status"] for r in records.values()} == {"enriched"}
    # Read again once all are enriched: a later copy joins the earlier article to its group.
    records = {k: stack.article(v["id"]) for k, v in records.items()}
    assert records["original"]["syndication_group"] == original["id"]
    assert records["copy"]["syndication_group"] == original["id"]
    assert records["other"]["syndication_group"] is None  # same event, a different story
    # Within one source, near-copies are not syndication (exact dedupe and revisions apply).
    assert records["same_source"]["syndication_group"] in (None, original["id"])

    unique = stack.api.get("/v1/articles", params={"unique": "true"}).json()["items"]
    ids = {a["id"] for a in unique}
    assert original["id"] in ids and other["id"] in ids and copy["id"] not in ids
    everything = {a["id"] for a in stack.api.get("/v1/articles").json()["items"]}
    assert copy["id"] in everything


def test_an_earlier_copy_becomes_the_original(stack: Stack) -> None:
    later = stack.wait_final(
        stack.post({"text": WIRE, "source": "wire-a", "published_at": "2026-11-30T12:00:00Z"})["id"]
    )
    earlier = stack.wait_final(
        stack.post({"text": COPY, "source": "outlet-b", "published_at": "2026-11-30T06:00:00Z"})[
            "id"
        ]
    )
    assert earlier["syndication_group"] == earlier["id"]
    assert stack.article(later["id"])["syndication_group"] == earlier["id"]
