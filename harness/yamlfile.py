"""Reading our YAML files (scenarios, profiles, promises, snapshots): one parse that gives the data
and the node tree, and every problem as one line naming the file, the line and the field."""

from __future__ import annotations

import os
import select
from pathlib import Path
from typing import Any, Union

import yaml
from pydantic import ValidationError

from harness.errors import UsageError


class YamlFileError(UsageError):
    """One line: file:line: field: what is wrong. Always one line, whatever the file holds (a key
    or a YAML error may carry line breaks of its own)."""

    def __init__(self, message: str):
        super().__init__(" ".join(part.strip() for part in str(message).splitlines()))


def line_of(node: yaml.Node | None, loc: tuple[Union[int, str], ...]) -> int:
    """The 1-based line of the YAML node at a pydantic error location (as deep as it exists)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == key), None)
            if nxt is None:
                # an unknown field: point at the key itself
                nxt = next((k for k, _ in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def _field_path(loc: tuple[Union[int, str], ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after[_one(), Step]", "function-before[_shorthand(), Step]"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top)"


def describe_validation_error(path: Path, node: yaml.Node | None, e: ValidationError) -> str:
    """The first error of a validated YAML file as 'file:line: field: message'."""
    err = e.errors()[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    return f"{path}:{line_of(node, loc)}: {_field_path(loc)}: {msg}"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader on libyaml's parser where PyYAML was built with it (several times
    faster), else on its own; a scalar it cannot turn into a value (an int of 5,000 digits, the
    date 2001-13-45, `!!float abc`) becomes a YAML error at that scalar's line, not a ValueError."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, AttributeError, LookupError, ArithmeticError) as e:
            why = str(e).split(";")[0] or type(e).__name__
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {node.tag.rpartition(':')[2]} value: {why}", node.start_mark
            ) from None


# Bounds on what one file may be: far above any file of ours (the largest, a full-matrix snapshot,
# is about 130 KB, 4,000 lines and 8 levels deep), far below what hurts.
MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 250_000  # the node count with every alias expanded (an "alias bomb" is a few lines)


POLL_S = 0.2  # how long one wait for bytes lasts before Python looks at its signals again


def read_bounded(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a file, a pipe or a device, Ctrl-C honoured throughout.

    A plain blocking read of a pipe that stalls can miss a SIGINT that arrives between the open
    and the read (Python runs its handler only between bytecodes, and the read then blocks for
    good). So the descriptor is non-blocking and each wait is a select() of POLL_S, after which
    the interpreter runs any pending handler (KeyboardInterrupt)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO's open does not wait for its writer
    try:
        chunks: list[bytes] = []
        total = 0
        while total < limit:
            ready, _, _ = select.select([fd], [], [], POLL_S)
            if not ready:
                continue
            try:
                chunk = os.read(fd, min(1 << 20, limit - total))
            except BlockingIOError:
                continue
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """A YAML file's data and node tree (for line numbers), or a YamlFileError naming the line.
    One parse gives both: the node tree is composed once and the data constructed from it.
    Before any value is made the tree is checked (check_tree): depth, the node count as aliases
    expand, aliases that contain themselves, and keys given twice in one mapping."""
    try:
        raw = read_bounded(path, MAX_BYTES + 1)  # one byte past the bound: /dev/zero ends too
        if len(raw) > MAX_BYTES:
            raise YamlFileError(f"{path}: too large (more than {MAX_BYTES:,} bytes)")
        text = raw.decode("utf-8")
    except OSError as e:
        raise YamlFileError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise YamlFileError(f"{path}: not UTF-8 text (byte {e.start}: {e.object[e.start : e.start + 1]!r})") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_tree(path, node)
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise YamlFileError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    except RecursionError:  # nesting deeper than Python's stack, in the composer or the constructor
        raise YamlFileError(f"{path}: not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def check_tree(path: Path, root: yaml.Node) -> None:
    """Walk the composed tree once, without recursion and without expanding aliases (an alias is
    the same node object met again): each node's depth below it and its expanded size are
    computed once and reused. Raises YamlFileError for the first bound passed."""
    size: dict[int, int] = {}  # id(node) -> nodes in it with aliases expanded
    depth: dict[int, int] = {}  # id(node) -> levels below it
    open_: set[int] = set()  # on the current path: met again, it contains itself
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        kids = _children(node)
        if children_done:
            open_.discard(key)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if depth[key] > MAX_DEPTH:
                raise YamlFileError(f"{path}:{node.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
            if size[key] > MAX_NODES:
                raise YamlFileError(
                    f"{path}:{node.start_mark.line + 1}: its aliases expand to more than {MAX_NODES:,} values (an alias bomb?)"
                )
            continue
        if key in size:
            continue
        if key in open_:
            raise YamlFileError(f"{path}:{node.start_mark.line + 1}: an alias refers to a value that contains it")
        if isinstance(node, yaml.MappingNode):
            _no_duplicate_keys(path, node)
        open_.add(key)
        if len(open_) > MAX_DEPTH:
            raise YamlFileError(f"{path}:{node.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _no_duplicate_keys(path: Path, node: yaml.MappingNode) -> None:
    seen: dict[Any, int] = {}
    for k, _ in node.value:
        if not isinstance(k, yaml.ScalarNode) or k.tag == "tag:yaml.org,2002:merge":
            continue
        line = k.start_mark.line + 1
        if k.value in seen:
            raise YamlFileError(f"{path}:{line}: {k.value}: given twice in one mapping (first on line {seen[k.value]})")
        seen[k.value] = line


# The dotted field path of a location, for checks made after validation (profile references).
field_path = _field_path
