"""Every transactional test reloads the migrated data after it.

A transactional test ends by emptying every table. Without `serialized_rollback=True` the data
migrations made (content types, groups, the root page, the workflow) are gone for the tests
after it, and on PostgreSQL the next test that restores them collides with content types
created meanwhile.
"""

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
MARK = re.compile(r"django_db\(([^)]*)\)")


def transactional_marks_without_rollback(root: Path = TESTS) -> list[str]:
    """`file:line` of each `django_db(transaction=True…)` mark that does not reload the data."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == Path(__file__).name:
            continue  # this file names the mark to look for it
        text = path.read_text(encoding="utf-8")
        for match in MARK.finditer(text):
            arguments = match.group(1)
            if "transaction=True" in arguments and "serialized_rollback=True" not in arguments:
                found.append(f"{path.relative_to(root)}:{text.count(chr(10), 0, match.start()) + 1}")
    return found


def test_every_transactional_test_reloads_the_migrated_data() -> None:
    assert transactional_marks_without_rollback() == []


def test_the_scan_finds_a_mark_without_it(tmp_path) -> None:
    (tmp_path / "test_x.py").write_text("import pytest\n\n@pytest.mark.django_db(transaction=True)\ndef test_x(): ...\n")
    assert transactional_marks_without_rollback(tmp_path) == ["test_x.py:3"]
