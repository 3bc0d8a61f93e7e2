"""Remember a participant's resume secret, so a relaunched terminal resumes.

The secret is kept per server address and join code in the user data
folder. ``--fresh`` joins as a new participant; ``--resume-file`` keeps it
somewhere else (the SSH gateway gives each key its own); ``--forget`` keeps
it in memory only (a shared SSH login).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kompsesjon.client import new_resume_secret
from kompsesjon.paths import data_dir


def resume_path(url: str, code: str) -> Path:
    key = hashlib.sha256(f"{url.rstrip('/')}|{code.strip().upper()}".encode()).hexdigest()[:24]
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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret)
    except OSError:
        pass  # not fatal: we can still join, just not resume after a relaunch
    return secret
