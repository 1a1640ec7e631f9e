"""A marketer imports a CRM export in a real browser: upload, map columns (a new trait of an inferred
type), preview, dry run, apply, then builds a segment on the imported trait and sees its reach.

Screenshots of each step land in test-output/e2e/trait-import-*.png.
"""

import pytest
from playwright.sync_api import Page, expect

from cms.roles import MARKETERS
from personalization.models import TraitDefinition, TraitImport, VisitorProfile
from tests.helpers.browser import STEP_TIMEOUT_MS, log_in, shot
from tests.helpers.wagtail_admin import role_user

expect.set_options(timeout=STEP_TIMEOUT_MS)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EXPORT = """Customer ID,Loyalty tier,Lifetime value,Newsletter
c-001,gold,"$1,200.50",yes
c-002,silver,$80.00,no
c-003,gold,,yes
c-004,platinum,$15.00,no
"""


def test_a_marketer_imports_traits_and_segments_on_them(live_server, tab: Page, tmp_path):
    role_user("marketer", MARKETERS)
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold", "silver"])
    # Known customers who consented to CRM data (rules use a trait only with consent), and one who did not.
    for visitor, consent in (("c-001", ["crm"]), ("c-002", ["crm"]), ("c-003", [])):
        VisitorProfile.objects.create(visitor_id=visitor, consent=consent)
    export = tmp_path / "crm-export.csv"
    export.write_text(EXPORT)
    base = live_server.url

    log_in(tab, base, "marketer")
    tab.get_by_role("link", name="Import traits").click()
    tab.set_input_files("#id_file", str(export))
    shot(tab, "trait-import-01-upload")
    tab.get_by_role("button", name="Upload").click()

    # Columns with their inferred types: money and yes/no become new traits; the tier column
    # goes to the catalogue's existing "tier".
    mapping = tab.locator("[data-trait-import-mapping]")
    expect(mapping.locator("[data-column='Lifetime value'] [data-inferred]")).to_have_text("number")
    expect(mapping.locator("[data-column='Newsletter'] [data-inferred]")).to_have_text("boolean")
    expect(mapping.locator("[data-column='Newsletter'] select[name^=type_]")).to_have_value("boolean")
    expect(tab.locator("#id_id_column")).to_have_value("Customer ID")
    mapping.locator("[data-column='Loyalty tier'] select[name^=map_]").select_option("trait:tier")
    shot(tab, "trait-import-02-mapping")
    tab.get_by_role("button", name="Preview").click()

    preview = tab.locator("[data-trait-import-preview]")
    expect(preview.locator("tbody tr")).to_have_count(4)
    expect(preview.locator("tbody tr").nth(0)).to_contain_text("1200.5")
    expect(preview.locator("tbody tr").nth(3)).to_contain_text("'platinum' is not one of: gold, silver")
    assert TraitDefinition.objects.filter(computed=False).count() == 1  # nothing created by a preview
    shot(tab, "trait-import-03-preview")

    tab.get_by_role("button", name="Dry run").click()
    summary = tab.locator("[data-trait-import-summary]")
    expect(summary).to_contain_text("Profiles that would change")
    expect(summary).to_contain_text("Traits to create")
    expect(tab.locator("[data-trait-import-status]")).to_have_attribute("data-trait-import-status", "checked")
    assert VisitorProfile.objects.get(visitor_id="c-001").traits == {}
    shot(tab, "trait-import-04-dry-run")

    tab.get_by_role("button", name="Apply to profiles").click()
    expect(tab.locator("[data-trait-import-status]")).to_have_attribute("data-trait-import-status", "applied")
    expect(summary).to_contain_text("Profiles changed")
    with tab.expect_download() as download:
        tab.locator("[data-trait-import-rejects]").click()
    assert "platinum" in download.value.path().read_text()
    shot(tab, "trait-import-05-applied")
    assert VisitorProfile.objects.get(visitor_id="c-001").traits == {"tier": "gold", "lifetime_value": 1200.5, "newsletter": True}
    assert not TraitImport.objects.get().file

    # A segment on the imported trait: gold customers, with the reach among stored profiles.
    tab.goto(f"{base}/admin/personalization/segments/add/")
    tab.fill("#id_name", "Gold customers")
    tab.fill("#id_key", "gold-customers")
    tab.locator("[data-rule-add-condition]").click()
    condition = tab.locator("[data-rule-condition]").first
    condition.locator("[data-rule-attribute]").select_option("trait.tier")
    condition.locator("[data-rule-value]").select_option("gold")
    expect(tab.locator("[data-rule-builder-status]")).to_have_text("The conditions are valid.")
    tester = tab.locator("[data-segment-tester]")
    tester.get_by_role("button", name="Test against this visitor").click()
    # c-001 and c-003 are gold, only c-001 consented to CRM data; c-004's row was rejected: 1 of 3.
    expect(tester.locator("[data-reach]")).to_contain_text("1 of 3 profiles")
    shot(tab, "trait-import-06-segment-reach")
