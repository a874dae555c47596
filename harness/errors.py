"""The one error every command turns into a single line and exit code 2."""


class UsageError(Exception):
    """Bad input (a file, an option): one line for the user, exit code 2."""
