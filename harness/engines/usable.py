"""Which engines a run uses, decided once before any cell. An engine asked for by name that
cannot run stops the run with the reason (a usage error: exit 2), rather than skipping its
cells into a green run; in a run of all engines the unusable ones are left out and named, with
their reasons, in the grid and in results.json (meta "engines_not_run"), where the gate reads them."""

from __future__ import annotations

from harness.engines import ENGINE_NAMES, availability
from harness.errors import UsageError


def engines_not_run(requested: list[str], connect: str | None = None) -> dict[str, str]:
    """engine -> why it cannot run here, for the engines asked for (all when none is named);
    UsageError when one that was named cannot run."""
    from harness.engines.playwright.tab import stop_playwright

    out: dict[str, str] = {}
    try:
        for name in requested or ENGINE_NAMES:
            avail = availability(name, connect)
            if not avail.usable:
                out[name] = avail.reason or "not usable"
    finally:
        stop_playwright()  # asked only to find the builds; whoever runs cells starts its own
    if requested and out:
        raise UsageError("; ".join(f"--browser {name}: not usable here: {why}" for name, why in out.items()))
    return out
