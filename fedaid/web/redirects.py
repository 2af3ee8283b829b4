"""Where the site may send a browser back to: paths on this site only, checked as a browser will read them.

A browser reads a `Location` with the WHATWG URL parser: it drops tabs and line breaks anywhere, trims
control characters and spaces at the ends, reads `\\` as `/`, and takes `//host` (or `/\\host`) as another
site. `local_path` applies those rules first, then checks; percent-decoded forms must pass as well.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

log = logging.getLogger("fedaid.web")

# What the URL parser removes before anything else (url.spec.whatwg.org, "basic URL parser", steps 1-3).
_EDGES = "".join(chr(code) for code in range(0x21))
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
# After that, any control character left (C0, DEL, C1) or a Unicode line or paragraph separator is refused.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_LENGTH = 2000
DECODING_ROUNDS = 3


def local_path(target: str | None, default: str = "/") -> str:
    """`target` as a path on this site, or `default` when a browser could read it as anywhere else."""
    if not target:
        return default
    path = browser_form(target)
    if path is None:
        log.info("redirect refused", extra={"reason": "not a path on this site", "target": target[:200]})
        return default
    return path


def browser_form(target: str) -> str | None:
    """The path a browser would follow for `target`, if that path stays on this site; None otherwise."""
    path = target.strip(_EDGES).translate(_TAB_OR_NEWLINE).replace("\\", "/")
    if not _is_plain_path(path):
        return None
    decoded = path
    for _ in range(DECODING_ROUNDS):  # `/%2F%2Fhost`, `/%5Chost`, `/%09/host`: a later hop may decode them
        again = unquote(decoded)
        if again == decoded:
            return path
        decoded = again.strip(_EDGES).translate(_TAB_OR_NEWLINE).replace("\\", "/")
        if not _is_plain_path(decoded):
            return None
    return None


def _is_plain_path(path: str) -> bool:
    """One slash then anything but a slash: no scheme (`https:`, `javascript:`), no host (`//`), no control."""
    return (
        0 < len(path) <= MAX_LENGTH and path[0] == "/" and not path.startswith("//") and _CONTROL.search(path) is None
    )
