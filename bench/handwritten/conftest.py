"""What a user would write instead of the harness: plain pytest + Playwright's sync API.

One Playwright and one browser per launch configuration for the whole session (a browser's
microphone flags and prefs are per launch), a new context per test, the site under test already
running (here: the harness's fixture server, standing in for the user's own shop). The launch
arguments and prefs are the ones the harness's engines use, so both sides drive identical
browsers. Each test's setup + call + teardown time goes to $BENCH_TIMES (JSON) for
bench/benchmark.py.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from harness import sandbox
from harness.engines.base import SPY_JS
from harness.engines.playwright.chromium import BASE_ARGS
from harness.engines.playwright.firefox import BASE_PREFS
from harness.origins import MAPPED_HOSTS
from harness.server import FixtureServer

TIMES: dict[str, float] = {}


def pytest_configure(config):
    sandbox.seal()  # loopback only, as every run of this project (a no-op when sealed by a parent)


def pytest_generate_tests(metafunc):
    # BENCH_ENGINES=chromium,firefox  BENCH_REPS=3: every test for each engine, repeated.
    if "engine" in metafunc.fixturenames:
        engines = os.environ.get("BENCH_ENGINES", "chromium,firefox").split(",")
        reps = int(os.environ.get("BENCH_REPS", "1"))
        metafunc.parametrize("engine,rep", [(e, r) for r in range(reps) for e in engines],
                             ids=[f"{e}-{r}" for r in range(reps) for e in engines])


def pytest_runtest_logreport(report):
    TIMES[report.nodeid] = TIMES.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    if os.environ.get("BENCH_TIMES"):
        Path(os.environ["BENCH_TIMES"]).write_text(json.dumps(TIMES), encoding="utf-8")


@pytest.fixture(scope="session")
def site():
    server = FixtureServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def launch(site):
    browsers = {}
    with sync_playwright() as p:
        def get(engine: str, permission: str, device: str):
            key = (engine, permission, device)
            if key not in browsers:
                browsers[key] = start_browser(p, engine, permission, device, site)
            return browsers[key]

        yield get
        for b in browsers.values():
            b.close()


def start_browser(p, engine, permission, device, site):
    if engine == "chromium":
        rules = ", ".join([f"MAP {h} 127.0.0.1" for h in MAPPED_HOSTS] + ["MAP * ~NOTFOUND", "EXCLUDE localhost"])
        args = BASE_ARGS + [f"--host-resolver-rules={rules}",
                            f"--ignore-certificate-errors-spki-list={site.ca.leaf_spki_sha256()}"]
        if device == "fake":
            args.append("--use-fake-device-for-media-stream")
        return p.chromium.launch(executable_path=_system(p.chromium, "chromium"), args=args)
    prefs = dict(BASE_PREFS, **{"network.dns.localDomains": ",".join(MAPPED_HOSTS)})
    if device == "fake":
        prefs["media.navigator.streams.fake"] = True
    else:
        prefs["media.cubeb.force_mock_context"] = False
    if permission in ("granted", "denied"):
        prefs["permissions.default.microphone"] = 1 if permission == "granted" else 2
    else:  # the visitor blocks the prompt
        prefs["media.getusermedia.microphone.deny"] = True
    opts = {"firefox_user_prefs": prefs}
    exe = _system(p.firefox, "firefox-esr")
    if exe:
        opts.update(channel="moz-firefox", executable_path=exe)
    return p.firefox.launch(**opts)


def _system(browser_type, name):
    """Playwright's own build if installed, else the distro's (as the harness's engines do)."""
    try:
        if Path(browser_type.executable_path).exists():
            return None
    except Exception:
        pass
    return shutil.which(name)


@pytest.fixture
def visit(launch, site):
    """visit(engine, permission=, device=, origin=) → the widget's page, loaded in a new context."""
    contexts = []

    def open_page(engine, permission="granted", device="fake", origin="localhost"):
        browser = launch(engine, permission, device)
        context = browser.new_context(ignore_https_errors=engine == "firefox")
        contexts.append(context)
        if engine == "chromium" and permission == "granted":
            context.grant_permissions(["microphone"])
        context.add_init_script(SPY_JS)  # to assert on getUserMedia calls
        page = context.new_page()
        if engine == "chromium" and permission == "denied":
            target = context.new_cdp_session(page).send("Target.getTargetInfo")
            browser.new_browser_cdp_session().send("Browser.setPermission", {
                "permission": {"name": "microphone"}, "setting": "denied",
                "browserContextId": target["targetInfo"]["browserContextId"]})
        page.console_lines = []
        page.on("console", lambda m: page.console_lines.append(m.text))
        site_id = site.new_site().site_id
        page.goto(site.origins.page_url(origin, "top", "/index.html", site_id))
        return page

    yield open_page
    for c in contexts:
        c.close()
