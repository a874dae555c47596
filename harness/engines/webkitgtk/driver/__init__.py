"""The WebKitGTK driver process: main.py, page.py, scripts.py, agent.js. It runs under the SYSTEM
Python (stdlib and gi only), by file path, so nothing of the harness is imported here."""
