"""spelo-harness serve: the fixture server alone, with every origin's URLs, for a person."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from harness import paths
from harness.commands.options import add_widget_option
from harness.errors import EXIT_OK
from harness.widget_build import check_widget


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="start the fixture server and print every origin's URLs")
    add_widget_option(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from harness.engines.playwright.chromium import command_line
    from harness.origins import LOOPBACK, MAPPED_HOSTS
    from harness.server import FixtureServer
    from harness.server.log_lines import one_line_per_malformed_request

    one_line_per_malformed_request()
    server = FixtureServer(widget=check_widget(args.widget, paths.DEFAULT_OUTPUT) or paths.REFERENCE_WIDGET)
    om = server.start()
    try:
        site = server.new_site(site_id="demoshop1")
        ca = server.ca
        print(f"Fixture server on {LOOPBACK} (http port %d, https port %d). Site id: %s" % (om.http_port, om.https_port, site.site_id))
        for name, origin in om.all().items():
            print(f"  {name:14} {om.page_url(name, 'top', '/index.html', site.site_id)}")
        print(f"  the vendor API's OpenAPI description: http://{LOOPBACK}:{om.http_port}/v1/openapi.json")
        print("  framed (cross-origin, allow=microphone):")
        print("                 " + om.page_url("localhost", "cross-origin-iframe-allow", "/index.html", site.site_id))
        print(f"Hostnames {', '.join(MAPPED_HOSTS)} must resolve to {LOOPBACK}, e.g. for Chromium:")
        print(f"  {command_line(MAPPED_HOSTS, ca.leaf_spki_sha256())}")
        # SIGTERM ends it like Ctrl-C; armed before the last line, which tells a caller it may stop us.
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        print(f"The run's CA certificate: {ca.ca_pem} (removed when the server stops). Ctrl-C stops.")
        sys.stdout.flush()
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK
