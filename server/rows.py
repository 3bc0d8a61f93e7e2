"""What one batch adds to a session's log, in the store's terms.

The session core (:mod:`server.core`) decides these rows and the store
(:mod:`server.store`) commits them in one transaction; neither knows the
other. Secrets (facilitator tokens, resume secrets) are kept only as hashes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def secret_hash(secret: str) -> str:
    """Hash of a high-entropy secret (facilitator token, resume secret).

    The secrets are long random strings, so a fast hash is enough: there is no
    dictionary to attack.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Applied:
    """One accepted command inside a batch: its id and the seq it ended at."""

    actor: str
    command_id: str
    seq: int


@dataclass(frozen=True)
class NewParticipant:
    participant: str
    resume_hash: str
