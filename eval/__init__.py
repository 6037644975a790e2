"""Evaluation of wirefeed's enrichment against the hand-labelled development set."""
