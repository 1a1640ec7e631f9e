"""`make run` calls only management commands that exist, with the port it serves on."""

import json
import re
import subprocess
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_calls_existing_commands_and_prints_the_port_it_serves():
    # A dry run of every step, prerequisites included, as on a fresh clone.
    printed = subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), "run", "PORT=8765"], capture_output=True, text=True, check=True
    ).stdout
    commands = re.findall(r"manage\.py\s+(\S+)(.*)", printed)
    names = [name for name, _ in commands]
    assert names[-3:] == ["migrate", "seed_demo", "runserver"]
    assert set(names) <= set(get_commands())
    arguments = dict(commands)
    assert "--port 8765" in arguments["seed_demo"] and "127.0.0.1:8765" in arguments["runserver"]


def test_readme_runs_management_commands_with_the_projects_virtualenv():
    # The system Python has none of the dependencies: a command copied from the README must run as written.
    readme = " ".join((ROOT / "README.md").read_text().split())
    invocations = re.findall(r"([\w./]*)\s+manage\.py\s+([a-z_]+)", readme)
    assert invocations
    assert {python for python, _ in invocations} == {".venv/bin/python"}
    assert {name for _, name in invocations} <= set(get_commands())


def test_first_install_announces_itself_and_shows_pip_progress():
    printed = subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), "--no-print-directory", ".venv/.installed"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "about two minutes" in printed
    install = next(line for line in printed.splitlines() if "pip install" in line)
    assert "--quiet" not in install and "Collecting" in install


def test_run_and_test_install_chart_js_from_the_lock_file_into_the_static_path_the_dashboard_loads():
    template = (ROOT / "personalization/templates/personalization/admin/dashboard.html").read_text()
    served = re.search(r"static '([^']*chart[^']*)'", template).group(1)
    for target in ("run", "test"):
        printed = subprocess.run(
            ["make", "-n", "-B", "-C", str(ROOT), "--no-print-directory", target], capture_output=True, text=True, check=True
        ).stdout
        assert "npm ci" in printed
        assert f"cp node_modules/chart.js/dist/chart.umd.js personalization/static/{served}" in printed
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/chart.js"]
    assert locked["version"].startswith("4.") and locked["integrity"].startswith("sha512-")
    assert "personalization/static/personalization/vendor/" in (ROOT / ".gitignore").read_text().splitlines()
