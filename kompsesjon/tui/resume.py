"""Remember a participant's resume secret, so a relaunched terminal resumes.

The secret is kept per server address, join code and name in the user data
folder: on a shared PC in the meeting room (or a facilitator trying several
terminals) a join with another name is another person, and a join with the
same name is that person again. The last one who joined from this account
is also remembered without a name, for ``join --code K7PQ2M`` alone.
``--fresh`` joins as a new participant; ``--resume-file`` keeps it somewhere
else (the SSH gateway gives each key its own); ``--forget`` keeps it in
memory only (a shared SSH login).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kompsesjon.client import new_resume_secret
from kompsesjon.paths import data_dir


def resume_path(url: str, code: str, name: str | None = None) -> Path:
    """Where the secret of ``name`` in this session is kept (no name: the last one who joined)."""
    key = hashlib.sha256(f"{url.rstrip('/')}|{code.strip().upper()}".encode()).hexdigest()[:24]
    who = " ".join((name or "").split()).casefold()
    if who:
        key += "-" + hashlib.sha256(who.encode()).hexdigest()[:16]
    return data_dir() / "resume" / f"{key}.txt"


def resume_secret(path: Path, *, fresh: bool = False) -> str:
    """The secret stored at ``path``, or a new one stored there."""
    if not fresh:
        try:
            secret = path.read_text(encoding="ascii").strip()
            if len(secret) >= 22:
                return secret
        except (OSError, UnicodeDecodeError):
            pass
    secret = new_resume_secret()
    keep(path, secret)
    return secret


def keep(path: Path, secret: str) -> None:
    """Store ``secret`` at ``path``, readable by its owner only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret)
    except OSError:
        pass  # not fatal: we can still join, just not resume after a relaunch
