"""Summarise a ``py-spy record --format raw`` file (collapsed stacks).

    uv run python -m benchmarks.profile_summary /tmp/prof/server-1000-join.txt [--top 25] [--grep hub.py]

Prints the functions with the most samples, inclusive (on the stack) and
self (at the top of the stack), as a share of all samples, idle included.
"""

from __future__ import annotations

import argparse
from collections import Counter


def load(path: str) -> list[tuple[list[str], int]]:
    stacks = []
    with open(path) as f:
        for line in f:
            line = line.rstrip()
            if not line:
                continue
            stack, _, count = line.rpartition(" ")
            stacks.append((stack.split(";"), int(count)))
    return stacks


def short(frame: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file.py)"
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    parts = path.split("/")
    return f"{name} ({'/'.join(parts[-2:])})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--grep", default="")
    args = parser.parse_args()
    stacks = load(args.path)
    total = sum(n for _, n in stacks)
    inclusive: Counter = Counter()
    own: Counter = Counter()
    idle = 0
    for frames, n in stacks:
        names = [short(f) for f in frames]
        if (
            names and names[-1].startswith(("select (", "poll (", "run (selectors"))
        ) or "select (selectors.py)" in names[-1]:
            idle += n
        own[names[-1]] += n
        for name in set(names):
            inclusive[name] += n
    print(f"{total} samples; at the top of the stack in select/epoll (idle): {idle / total:.0%}")
    print("\ninclusive:")
    for name, n in inclusive.most_common():
        if args.grep in name:
            print(f"  {n / total:6.1%}  {name}")
            args.top -= 1
            if args.top <= 0:
                break
    print("\nself:")
    for name, n in own.most_common(25):
        print(f"  {n / total:6.1%}  {name}")


if __name__ == "__main__":
    main()
