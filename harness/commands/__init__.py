"""One module per command. Each adds its parser with `register(sub)` and runs as `main(args)`,
returning the exit code; cli.py only parses and dispatches. Commands never import cli.py."""
