"""The one input-error family every command turns into a single line and exit code 2, and the
exit codes themselves (here, not in cli.py, so commands never import the dispatcher)."""

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input (a file, an option): one line for the user, exit code 2. The loaders' own errors
    (ScenarioError, ShardError, GateError, MergeError) are of this family, so a command lets them
    through and cli.main alone turns them into the line and the code."""
