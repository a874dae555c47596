"""spelo-harness: the command line. Thin: it checks its input, then calls pytest (run), the
fixture server (serve) or the engines (doctor)."""
from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from harness import __version__, paths
from harness.engines import ENGINE_NAMES
from harness.errors import UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as e:
        print(f"spelo-harness: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("spelo-harness: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spelo-harness", description=__doc__)
    p.add_argument("--version", action="version", version=f"spelo-harness {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the matrix (scenario × engine) and print the grid")
    run.add_argument("scenarios", nargs="*", type=Path, default=[paths.SCENARIO_DIR],
                     help="scenario files or folders (default: scenarios/)")
    run.add_argument("--browser", action="append", choices=ENGINE_NAMES,
                     help="an engine to run (repeatable; default: all usable engines)")
    run.add_argument("--workers", "-n", default="1", help="parallel workers: a number or 'auto'")
    run.add_argument("--widget", help="a widget build (a path or an http(s) URL) to test in place of the reference spelo.js")
    run.add_argument("--output", type=Path, default=paths.DEFAULT_OUTPUT, help="artifacts folder (default: test-results)")
    run.add_argument("-k", dest="keyword", help="only cells matching this pytest -k expression")
    run.add_argument("--headed", action="store_true", help="show the browsers")
    run.add_argument("--screenshots", choices=("each", "end", "failure"), default="each",
                     help="after each step (default: the report shows every step), at the end of each cell, or on failure only; a failed "
                          "step always has its own (each step costs 30-90 ms: bench/benchmark.py)")
    run.add_argument("--profile", type=Path, help="the widget profile (YAML) of the build under test")
    run.add_argument("--shard", help="run only shard I of N (e.g. 2/3), split evenly by measured duration")
    run.add_argument("--durations", type=Path, help="a results.json whose durations balance --shard")
    run.add_argument("--connect", metavar="WS_ENDPOINT",
                     help="take Chromium and Firefox from a Playwright server (`playwright run-server --unsafe`)")
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="start the fixture server and print every origin's URLs")
    serve.add_argument("--widget", help="a widget build (path or URL) to serve in place of the reference spelo.js")
    serve.set_defaults(func=cmd_serve)

    doctor = sub.add_parser("doctor", help="which engines are usable here, with versions")
    doctor.set_defaults(func=cmd_doctor)

    # The other commands live in their own modules; each adds its parser here.
    from harness import gate, merge, mutate, promises, repro, soak

    for module in (repro, gate, merge, soak, promises, mutate):
        module.register(sub)
    return p


# -- run ---------------------------------------------------------------------------------------

def cmd_run(args: argparse.Namespace) -> int:
    from harness.scenarios import ScenarioError, load_all

    try:
        scenarios = load_all(list(args.scenarios))  # bad input stops here, before any browser starts
    except ScenarioError as e:
        raise UsageError(str(e)) from None
    if not scenarios:
        raise UsageError(f"no scenarios found in {', '.join(map(str, args.scenarios))}")
    widget = check_widget(args.widget, args.output)
    if args.profile is not None:
        from harness.profile import load_profile

        try:
            load_profile(args.profile)
        except ScenarioError as e:
            raise UsageError(str(e)) from None
    if args.shard is not None:
        from harness.shard import ShardError, parse_shard

        try:
            parse_shard(args.shard)
        except ShardError as e:
            raise UsageError(str(e)) from None
    workers = args.workers
    if workers != "auto" and not (workers.isdigit() and int(workers) >= 1):
        raise UsageError(f"--workers: expected a number ≥ 1 or 'auto', got {workers!r}")
    if args.connect:
        from harness.engines.remote import check_endpoint

        try:
            check_endpoint(args.connect)  # a few seconds at most, before any cell
        except ValueError as e:
            raise UsageError(str(e)) from None

    pytest_args = [str(p) for p in args.scenarios] + [
        "-p", "no:cacheprovider", "-q", "--no-header", "-o", "addopts=", "-o", "console_output_style=classic",
        "--rootdir", str(paths.ROOT), "--output", str(args.output),
        "--spelo-screenshots", args.screenshots, "-W", "ignore::DeprecationWarning",
    ]
    for p in args.scenarios:  # only these folders' YAML files are collected as cells
        pytest_args += ["--spelo-scenarios", str((p if p.is_dir() else p.parent).resolve())]
    for b in args.browser or []:
        pytest_args += ["--browser", b]
    if widget:
        pytest_args += ["--widget", str(widget)]
    if args.profile is not None:
        pytest_args += ["--spelo-profile", str(args.profile.resolve())]
    if args.shard is not None:
        pytest_args += ["--spelo-shard", args.shard]
    if args.durations is not None:
        pytest_args += ["--spelo-durations", str(args.durations.resolve())]
    if workers != "1":
        pytest_args += ["-n", workers]
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    if args.headed:
        pytest_args.append("--headed")
    if args.connect:  # the plugin then leaves the seal off (see pytest_configure)
        pytest_args += ["--spelo-connect", args.connect]
    # Sealed before pytest starts (this process has one thread): the child inherits the network
    # namespace with only lo, so all test traffic, WebRTC included, stays on loopback.
    from harness import sandbox

    # Not with --connect: the server's browsers could not reach a fixture server sealed away.
    status = sandbox.seal_status() if args.connect else sandbox.seal()
    print(f"spelo-harness: {status}" + ("" if status == sandbox.SEALED else
          " — WARNING: WebRTC may use the machine's outside interface"), file=sys.stderr, flush=True)
    # pytest in a child process: Ctrl-C and SIGTERM reach it as its interrupt (it closes the
    # browsers and writes the results), and whatever the run leaves is killed (harness/reaper.py).
    from harness import reaper

    code = reaper.run_group([sys.executable, "-m", "pytest", *pytest_args])
    if code == 5:  # pytest: nothing collected (e.g. -k matched no cell)
        print("spelo-harness: no cell matched", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK if code == 0 else EXIT_FAILED


def check_widget(widget: str | None, output: Path) -> Path | None:
    """A widget build given as a path, or as an http(s) URL fetched now, before the run is
    sealed off the network; a missing file or a URL that does not load is a usage error."""
    if widget is None:
        return None
    if re.match(r"^https?://", widget):
        import urllib.error
        import urllib.request

        target = output / "widget-under-test.js"
        try:
            with urllib.request.urlopen(widget, timeout=20) as res:
                body = res.read(5 * 1024 * 1024 + 1)
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise UsageError(f"--widget: {widget} did not load: {getattr(e, 'reason', e)}") from None
        if not body or len(body) > 5 * 1024 * 1024:
            raise UsageError(f"--widget: {widget} gave {'nothing' if not body else 'more than 5 MB'}")
        output.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        return target.resolve()
    path = Path(widget)
    if not path.is_file():
        raise UsageError(f"--widget: no such file: {widget}")
    return path.resolve()


# -- serve ----------------------------------------------------------------------------------------

def cmd_serve(args: argparse.Namespace) -> int:
    from harness.origins import MAPPED_HOSTS
    from harness.server import FixtureServer

    server = FixtureServer(widget=check_widget(args.widget, paths.DEFAULT_OUTPUT) or paths.REFERENCE_WIDGET)
    om = server.start()
    try:
        site = server.new_site(site_id="demoshop1")
        print("Fixture server on 127.0.0.1 (http port %d, https port %d). Site id: %s" % (om.http_port, om.https_port, site.site_id))
        for name, origin in om.all().items():
            print(f"  {name:14} {om.page_url(name, 'top', '/index.html', site.site_id)}")
        print("  framed (cross-origin, allow=microphone):")
        print("                 " + om.page_url("localhost", "cross-origin-iframe-allow", "/index.html", site.site_id))
        print(f"Hostnames {', '.join(MAPPED_HOSTS)} must resolve to 127.0.0.1, e.g. for Chromium:")
        rules = ", ".join(f"MAP {h} 127.0.0.1" for h in MAPPED_HOSTS)
        print(f'  chromium --host-resolver-rules="{rules}" --ignore-certificate-errors-spki-list={server.ca.leaf_spki_sha256()}')
        # SIGTERM ends it like Ctrl-C; armed before the last line, which tells a caller it may stop us.
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        print(f"The run's CA certificate: {server.ca.ca_pem} (removed when the server stops). Ctrl-C stops.")
        sys.stdout.flush()
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK


# -- doctor ---------------------------------------------------------------------------------------

def cmd_doctor(args: argparse.Namespace) -> int:
    from harness.engines import get_engine
    from harness.engines.playwright_tab import stop_playwright

    usable = 0
    try:
        for name in ENGINE_NAMES:
            try:
                a = get_engine(name).availability()
            except Exception as e:  # an engine that cannot even say why is still reported
                print(f"{name:9} unusable: {type(e).__name__}: {e}")
                continue
            if a.usable:
                usable += 1
                version = a.version or _binary_version(a.source)
                print(f"{name:9} usable   {version.split(' built ')[0]:28} source: {a.source}")
            else:
                print(f"{name:9} missing  {a.reason}")
            for note in a.notes:
                print(f"{'':9} note: {note}")
    finally:
        stop_playwright()
    print(f"{usable} of {len(ENGINE_NAMES)} engines usable. Set-up for the missing ones: bash scripts/setup.sh")
    return EXIT_OK if usable else EXIT_FAILED


def _binary_version(source: str) -> str:
    """`--version` of a system browser ('system /usr/bin/chromium'); Playwright's own builds
    report theirs when launched."""
    if not source.startswith("system "):
        return source
    try:
        out = subprocess.run([source.split(" ", 1)[1], "--version"], capture_output=True, text=True, timeout=20)
        return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


if __name__ == "__main__":
    sys.exit(main())
