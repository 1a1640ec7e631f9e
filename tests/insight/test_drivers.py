"""The log-odds ratio with an informative Dirichlet prior ranks what rose, not what is merely common."""

from personalization.insight.drivers import log_odds_drivers
from personalization.insight.tokens import terms


def test_the_risen_key_ranks_first_and_a_steady_common_one_does_not():
    earlier = {"delivery": 40, "price": 30, "checkout": 2}
    current = {"delivery": 41, "price": 29, "checkout": 35}
    ranked = log_odds_drivers(current, earlier)
    assert ranked[0].key == "checkout"
    assert ranked[0].z > 3 and ranked[0].delta > 0.5
    assert "price" not in [driver.key for driver in ranked]  # it fell: not a driver


def test_the_prior_keeps_a_rare_key_below_a_well_evidenced_one():
    # "glitter" went 0 -> 2 (an infinite raw ratio); "refund" 10 -> 40 of 100 items.
    ranked = log_odds_drivers({"glitter": 2, "refund": 40, "staff": 60}, {"refund": 10, "staff": 90})
    assert [driver.key for driver in ranked] == ["refund", "glitter"]


def test_nothing_to_explain_without_current_items_and_keys_below_min_count_are_left_out():
    assert log_odds_drivers({}, {"a": 3}) == []
    assert log_odds_drivers({"a": 1, "b": 9}, {"b": 9}) == []


def test_terms_are_distinct_lower_case_content_words():
    assert terms("The Checkout CRASHED, the checkout crashed twice!") == {"checkout", "crashed", "twice"}
