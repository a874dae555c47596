"""The plugin's fixture ladder; a conftest may override any rung (see harness/plugin.py):
spelo_options → spelo_harness → spelo_new_tab (a factory) → spelo_tab, beside spelo_engine,
spelo_situation and spelo_site."""

from __future__ import annotations

from typing import Iterator, Protocol

import pytest

from harness.engines.base import Situation, Tab
from harness.plugin_state import spelo_state
from harness.runner import Harness, RunOptions
from harness.server.sites import Site


class NewTab(Protocol):
    """spelo_new_tab's factory: a Tab in a fresh context of that engine's browser."""

    def __call__(self, engine: str, situation: Situation | None = None) -> Tab: ...


@pytest.fixture(scope="session")
def spelo_options(pytestconfig: pytest.Config) -> RunOptions:
    """The run's options, from the command line."""
    return spelo_state(pytestconfig).options


@pytest.fixture(scope="session")
def spelo_harness(pytestconfig: pytest.Config, spelo_options: RunOptions) -> Iterator[Harness]:
    """The fixture server and engine pool for spelo_options. With the command line's options it
    is the one the scenario cells use; a conftest's own spelo_options get a harness of their own."""
    state = spelo_state(pytestconfig)
    if spelo_options is state.options:
        yield state.harness()
        return
    with Harness(spelo_options) as harness:
        yield harness


@pytest.fixture
def spelo_situation() -> Situation:
    """The situation spelo_tab is made for; override it (or parametrize it) for another one."""
    return Situation()


@pytest.fixture
def spelo_new_tab(spelo_harness: Harness) -> Iterator[NewTab]:
    """A factory: spelo_new_tab(engine, Situation(...)) → a Tab in a fresh context, closed after the test."""
    tabs: list[Tab] = []

    pool = spelo_harness.pool
    assert pool is not None, "spelo_harness is started"

    def make(engine: str, situation: Situation | None = None) -> Tab:
        tab = pool.new_tab(engine, situation or Situation())
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        tab.close()


@pytest.fixture
def spelo_tab(spelo_new_tab: NewTab, spelo_engine: str, spelo_situation: Situation) -> Tab:
    """One Tab: spelo_engine's browser, spelo_situation made by the engine's own means."""
    return spelo_new_tab(spelo_engine, spelo_situation)


@pytest.fixture
def spelo_site(spelo_harness: Harness) -> Iterator[Site]:
    """A fresh site at the fake vendor API (every origin allowed), removed after the test."""
    server = spelo_harness.server
    assert server is not None, "spelo_harness is started"
    site = server.new_site()
    yield site
    server.sites.remove(site.site_id)
