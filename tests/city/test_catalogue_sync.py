"""`make validate` names the file and line of every kind of drift from the catalogue; `make catalogue` mends it."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Tuple

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SYNC = PROJECT_ROOT / "scripts" / "sync_catalogue.py"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the files the catalogue feeds, to break at will."""
    for part in ("domain.yml", "city", "data"):
        source = PROJECT_ROOT / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part)
        else:
            shutil.copy(source, tmp_path / part)
    return tmp_path


def sync(project: Path, mode: str) -> Tuple[int, str]:
    done = subprocess.run([sys.executable, str(SYNC), "--root", str(project), mode],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_the_project_as_committed_has_not_drifted():
    assert sync(PROJECT_ROOT, "--check") == (0, "")


def test_an_intent_dropped_from_the_domain_is_named_with_its_line(project):
    line = line_of(project / "domain.yml", "  - report_mosquito")
    edit(project / "domain.yml", "  - report_mosquito\n", "")

    code, report = sync(project, "--check")

    assert code == 1
    assert f"domain.yml:{line}: the block 'complaint intents' differs" in report


def test_a_missing_filing_rule_is_caught(project):
    edit(project / "data/rules/filing.yml", "- rule: Start a complaint (report_tree_park)", "- rule: Start (tree)")

    code, report = sync(project, "--check")

    assert code == 1 and "data/rules/filing.yml:" in report and "'start a complaint'" in report


def test_an_intent_missing_from_the_description_mapping_is_caught(project):
    edit(project / "domain.yml", "intent: [report_garbage, report_dead_animal,", "intent: [report_garbage,")

    code, report = sync(project, "--check")

    assert code == 1 and "'description from a complaint intent' differs" in report


def test_a_help_menu_that_forgets_a_kind_of_complaint_is_caught(project):
    edit(project / "domain.yml", "(garbage, dead animals, public toilets,", "(garbage, public toilets,")

    code, report = sync(project, "--check")

    assert code == 1 and "utter_help (en) lists 'garbage, public toilets," in report


def test_a_complaint_intent_outside_the_catalogue_is_named(project):
    edit(project / "domain.yml", "  - check_status\n", "  - check_status\n  - report_noise\n")

    code, report = sync(project, "--check")

    assert code == 1 and "intent report_noise is not in city/catalogue.yml" in report


def test_a_new_category_without_training_examples_or_menu_words_is_named_in_the_catalogue(project):
    catalogue = project / "city/catalogue.yml"
    edit(catalogue, "  - key: other\n", "  - key: noise\n    intent: report_noise\n"
                                         "    name: {en: Noise, hi: शोर, hinglish: Shor}\n  - key: other\n")
    line = line_of(catalogue, "  - key: noise")

    code, report = sync(project, "--check")

    assert code == 1
    assert f"city/catalogue.yml:{line}: group 'noise' needs `menu` words" in report
    assert (
        f"city/catalogue.yml:{line}: intent report_noise has no training examples in ['en', 'hi', 'hinglish']" in report
    )


def test_make_catalogue_writes_every_derived_place_and_then_nothing_has_drifted(project):
    edit(project / "domain.yml", "  - report_mosquito\n", "")
    edit(project / "data/rules/filing.yml", "- rule: Start a complaint (report_tree_park)", "- rule: Start (tree)")
    edit(project / "domain.yml", "(garbage, dead animals, public toilets,", "(garbage,")

    assert sync(project, "--write")[0] == 0
    assert sync(project, "--check") == (0, "")
    assert ((project / "domain.yml").read_text(encoding="utf-8")
            == (PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert ((project / "data/rules/filing.yml").read_text(encoding="utf-8")
            == (PROJECT_ROOT / "data/rules/filing.yml").read_text(encoding="utf-8"))


def test_removed_markers_are_reported_rather_than_guessed(project):
    edit(project / "data/rules/filing.yml", "# <<< catalogue: start a complaint\n", "")

    code, report = sync(project, "--write")

    assert code == 1 and "the block 'start a complaint' is missing" in report
