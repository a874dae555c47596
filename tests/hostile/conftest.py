from __future__ import annotations

import pytest

import hostile_notes


@pytest.fixture(autouse=True)
def _keep_verdicts(record_property):
    """Each hostile test's verdict as a JUnit property (hostile_notes.note)."""
    hostile_notes.bind(record_property)
    yield
    hostile_notes.bind(None)
