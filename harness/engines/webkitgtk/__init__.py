"""Stock WebKitGTK, driven through its own API: engine.py (the Engine), client.py (starts the
driver and speaks its JSON-lines protocol) and driver/, the process that runs under the system
Python. Nothing here imports Playwright."""
