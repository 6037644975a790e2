"""trafilatura's extraction passes over one parsed page, with the work they share done once.

Every `trafilatura.bare_extraction(tree, ...)` call copies the page's tree and prunes it with the
same raw-tree XPaths (appended follow-up articles; comment sections and lists, as comments are
off), and only then does anything its settings change. That copy and prune were about a third of
a fast pass on the English tuning pages, paid two or three times per page. Here they run once
(`prune_page`) and each pass (`run_pass`) starts from the pruned tree with trafilatura's own
steps in trafilatura's order (a fast pass also skips the copy of the cleaned tree that only the
fallback extractors read): `trafilatura_sequence` for comments off and a precision or recall
focus (the balanced-only recall escalation and the comments-only forum salvage never apply),
then `bare_extraction`'s output checks and its plain-text output.

These are trafilatura 2.3.1's internals (pinned in pyproject.toml). The unit tests and `python -m
eval.shared_passes` (every evaluation page, each pass's text against `bare_extraction`'s) hold
the texts equal to bare_extraction's; run that after upgrading trafilatura.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from typing import Any

from lxml.etree import strip_tags  # type: ignore[import-untyped]
from trafilatura.baseline import baseline
from trafilatura.core import _forum_thread_page
from trafilatura.external import compare_extraction
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.main_extractor import extract_content
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt
from trafilatura.xpaths import (
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
)


@dataclass(frozen=True, slots=True)
class PrunedPage:
    """A page's tree after trafilatura's raw-tree pruning; the passes only read these trees
    (each cleans its own copy)."""

    is_forum: bool  # schema.org DiscussionForumPosting: posts sit where comments would
    without_comments: Any  # comment sections and lists pruned: every pass but forum recall
    with_comments: Any  # not pruned of them: the recall pass on a forum page


def prune_page(tree: Any) -> PrunedPage:
    """The raw-tree pruning every pass starts with (`tree` is left unchanged)."""
    is_forum = _forum_thread_page(tree)
    raw = prune_unwanted_nodes(copy(tree), RAW_TREE_PRUNE_XPATH)
    if not is_forum:
        pruned = prune_unwanted_nodes(raw, REMOVE_COMMENTS_AND_LISTS_XPATH)
        return PrunedPage(False, pruned, pruned)
    pruned = prune_unwanted_nodes(copy(raw), REMOVE_COMMENTS_AND_LISTS_XPATH)
    return PrunedPage(True, pruned, raw)


def _options(*, precision: bool, fast: bool, url: str | None) -> Extractor:
    """What `bare_extraction(include_comments=False, include_tables=True, deduplicate=False,
    with_metadata=False, favor_precision=precision, favor_recall=not precision, fast=fast,
    url=url)` builds."""
    return Extractor(
        output_format="python",
        fast=fast,
        precision=precision,
        recall=not precision,
        comments=False,
        tables=True,
        dedup=False,
        url=url,
        with_metadata=False,
    )


def run_pass(page: PrunedPage, *, precision: bool, fast: bool, url: str | None) -> str:
    """One pass's text, "" where bare_extraction would return None."""
    options = _options(precision=precision, fast=fast, url=url)
    tree = page.without_comments if precision or not page.is_forum else page.with_comments
    try:
        # trafilatura's _prepare_tree, without the copy of the cleaned tree that only its
        # fallback extractors read.
        cleaned = tree_cleaning(copy(tree), options)
        backup = None if fast else copy(cleaned)
        cleaned = convert_tags(cleaned, options, url)
        if precision and not page.is_forum:
            cleaned = prune_unwanted_nodes(cleaned, REMOVE_COMMENTS_XPATH)
        body, text = extract_content(cleaned, options)
        if backup is not None:  # trafilatura's _extract_and_compare
            body, text = compare_extraction(backup, copy(tree), body, text, options)
        if len(text) < options.min_extracted_size and not precision:
            rescued, rescued_text, rescued_len = baseline(tree)  # copies the tree it reads
            if rescued_len > len(text):
                body, text = rescued, rescued_text
        if options.max_tree_size and len(body) > options.max_tree_size:
            strip_tags(body, "hi")
            if len(body) > options.max_tree_size:
                return ""
        # No comments are extracted, so their length (0) is under any positive minimum.
        if len(text) < options.min_output_size and options.min_output_comm_size > 0:
            return ""
    except (TypeError, ValueError):  # bare_extraction discards the page on these
        return ""
    return xmltotxt(body, options.formatting)
