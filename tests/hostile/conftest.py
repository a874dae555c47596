from __future__ import annotations

from typing import Callable, Iterator

import pytest

import hostile_notes


@pytest.fixture(autouse=True)
def _keep_verdicts(record_property: Callable[[str, object], None]) -> Iterator[None]:
    """Each hostile test's verdict as a JUnit property (hostile_notes.note)."""
    hostile_notes.bind(record_property)
    yield
    hostile_notes.bind(None)
