"""Telling a document's kind from its first characters, with nothing heavier than ``re``:
the readers call this for every file, and importing the stages (trafilatura, feedparser)
would slow every start of the command line."""

from __future__ import annotations

import re

PROLOG = re.compile(
    r"\A\ufeff?\s*(?:(?:<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)\s*)*", re.S | re.I
)
FEED_ROOT = re.compile(
    r"<(?:rss|[\w.-]+:RDF)\b"  # RSS 0.9x/2.0; RSS 1.0 (and 0.90) are RDF documents
    r"|<(?:[\w.-]+:)?feed\b[^>]*\bxmlns(?::[\w.-]+)?\s*=\s*[\"']"
    r"(?:http://www\.w3\.org/2005/Atom|http://purl\.org/atom/ns#)[\"']",  # Atom 1.0, 0.3
    re.I,
)
# The start of a document that is enough to see its root element behind a long prolog.
SNIFF_CHARS = 4096


def is_feed(text: str) -> bool:
    """An RSS 0.9x/2.0, RSS 1.0 (RDF) or Atom document, by its root element.

    >>> is_feed('<?xml version="1.0"?>\\n<!-- hi --><rss version="2.0"><channel>')
    True
    >>> is_feed('<feed xmlns="http://www.w3.org/2005/Atom">'), is_feed("<html><body>")
    (True, False)
    """
    head = text[:SNIFF_CHARS]
    prolog = PROLOG.match(head)
    return bool(FEED_ROOT.match(head, prolog.end() if prolog else 0))
