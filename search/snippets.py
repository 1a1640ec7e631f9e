"""Highlighted snippets for search results, for backends that return no highlights of their own.

Pure: no Django. The text given is plain (tags already stripped); every character of the
snippet is HTML-escaped and only the `<mark>` elements added here are markup, so a
frontend may insert the snippet as HTML whatever an editor typed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

# What a search term is for highlighting: runs of letters and digits (as the full-text
# tokenisers split words). Anything else in a query (quotes, operators) is not matched.
_TERM = re.compile(r"\w+", re.UNICODE)
MIN_TERM_LENGTH = 2
MAX_TERMS = 16  # a long query would make the pattern long for nothing: the first terms suffice


def query_terms(query: str) -> list[str]:
    """The distinct words of a query, longest first (so `rain` marks `rainbow` as one run), at most MAX_TERMS."""
    seen: dict[str, None] = {}
    for match in _TERM.finditer(query):
        word = match.group().casefold()
        if len(word) >= MIN_TERM_LENGTH:
            seen.setdefault(word, None)
        if len(seen) >= MAX_TERMS:
            break
    return sorted(seen, key=lambda word: (-len(word), word))


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    # Terms are matched as word prefixes: `run` marks `running`, as stemming full-text search finds it.
    alternatives = "|".join(re.escape(term) for term in terms)
    return re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE | re.UNICODE) if alternatives else None


def highlight(texts: Iterable[str], terms: list[str], *, width: int = 160) -> str | None:
    """An HTML snippet of about `width` characters around the first match in the first text that has one.

    Matches are wrapped in `<mark>`; the rest is escaped. None when no text matches (the
    result matched on something not shown, e.g. a tag).
    """
    pattern = _pattern(terms)
    if pattern is None:
        return None
    for text in texts:
        if not text:
            continue
        text = " ".join(text.split())  # one line: snippets are shown inline
        first = pattern.search(text)
        if first is None:
            continue
        start = max(0, first.start() - width // 3)
        if start:
            # Start on a word boundary, never inside a word.
            space = text.find(" ", start, first.start())
            start = space + 1 if space != -1 else first.start()
        end = min(len(text), start + width)
        if end < len(text):
            space = text.rfind(" ", max(first.end(), start + 1), end)
            end = space if space != -1 else max(end, first.end())
        window = text[start:end]
        pieces, position = [], 0
        for match in pattern.finditer(window):
            pieces.append(html.escape(window[position : match.start()]))
            pieces.append(f"<mark>{html.escape(match.group())}</mark>")
            position = match.end()
        pieces.append(html.escape(window[position:]))
        return ("…" if start else "") + "".join(pieces) + ("…" if end < len(text) else "")
    return None
