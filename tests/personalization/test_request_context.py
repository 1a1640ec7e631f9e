"""Reading a request into a visitor context: consent from the frontend's banner."""

from personalization.profiles import StoredProfile
from personalization.request_context import visitor_context


def consent_of(header: str | None, stored: frozenset[str] = frozenset()) -> frozenset[str]:
    headers = {} if header is None else {"X-Consent": header}
    profile = StoredProfile(consent=stored, traits={})
    return visitor_context(channel="web", params={}, headers=headers, profile=profile).consent


def test_consent_categories_are_read_whatever_their_case_and_spacing():
    assert consent_of(" Behaviour , CRM") == frozenset({"behaviour", "crm"})


def test_unknown_categories_are_ignored_and_an_empty_header_withdraws_stored_consent():
    assert consent_of("behaviour,marketing") == frozenset({"behaviour"})
    assert consent_of("", stored=frozenset({"crm"})) == frozenset()


def test_without_the_header_the_stored_consent_holds():
    assert consent_of(None, stored=frozenset({"crm"})) == frozenset({"crm"})
