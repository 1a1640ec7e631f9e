"""The pure snippet builder: escaped text, matches in <mark>, a window around the first match."""

from search.snippets import MAX_TERMS, highlight, query_terms


def test_terms_are_distinct_words_longest_first_without_operators_or_single_letters():
    assert query_terms('"Compost heap" OR compost* a (heap)') == ["compost", "heap", "or"]
    assert len(query_terms(" ".join(f"word{i}" for i in range(40)))) == MAX_TERMS


def test_every_character_is_escaped_and_only_matches_are_marked():
    snippet = highlight(['<b>bold</b> & "quoted" compost <script>'], ["compost"])
    assert snippet == "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; <mark>compost</mark> &lt;script&gt;"


def test_a_term_marks_words_it_starts_case_insensitively():
    assert highlight(["Composting and COMPOST"], ["compost"]) == "<mark>Composting</mark> and <mark>COMPOST</mark>"


def test_a_term_inside_a_word_is_not_a_match():
    assert highlight(["decompose"], ["compose"]) is None


def test_the_first_text_with_a_match_is_used():
    assert highlight(["Title", "", "summary with heap"], ["heap"]) == "summary with <mark>heap</mark>"


def test_a_long_text_is_cut_on_word_boundaries_around_the_first_match():
    text = " ".join(f"w{i}" for i in range(200)) + " compost " + " ".join(f"v{i}" for i in range(200))
    snippet = highlight([text], ["compost"], width=60)
    assert snippet.startswith("…w") and snippet.endswith("…")
    assert "<mark>compost</mark>" in snippet
    body = snippet.strip("…")
    assert len(body.replace("<mark>", "").replace("</mark>", "")) <= 60
    assert all(part.startswith(("w", "v", "<mark>")) for part in body.split(" "))


def test_no_terms_or_no_match_gives_none():
    assert highlight(["anything"], []) is None
    assert highlight(["anything"], ["else"]) is None
    assert highlight([], ["x"]) is None


def test_regex_metacharacters_in_terms_are_literal():
    assert query_terms(r".*+?^$()[]{}|\\") == []
    assert highlight(["axb a.b"], ["a.b"]) == "axb <mark>a.b</mark>"
