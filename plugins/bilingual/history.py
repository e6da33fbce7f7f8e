"""What git knows of a translation's past: the version of its original it was made from.

A translation without Source-Hash was made from some version of its original,
not necessarily the current one. The commit that first added the translation
holds the original as the translator had it; without git, or without that
history, nothing can be told, and no hash is guessed.
"""

import os
import subprocess
from dataclasses import dataclass


class Untold(Exception):
    """Why git cannot tell; the message completes "git cannot tell ... (<message>)"."""


@dataclass(frozen=True)
class PastVersion:
    data: bytes  # the original's bytes in that commit
    date: str    # the commit's date, YYYY-MM-DD


def original_when_translated(translation, original, shown_translation, shown_original):
    """The original as it was in the commit that first added the translation; raises Untold.

    ``shown_*`` are the paths as the author sees them, for the reasons."""
    top = _top_folder(os.path.dirname(os.path.abspath(translation)))
    translation_in_git, original_in_git = (_in_repository(path, top) for path in (translation, original))
    if original_in_git is None:
        raise Untold(f"{shown_original} is outside the git repository of {shown_translation}")
    first = _first_commit(top, translation_in_git, shown_translation)
    commit, date = first.split(" ", 1)
    try:
        data = _git(top, "show", f"{commit}:{original_in_git}")
    except Untold:
        raise Untold(f"{shown_original} was not in git when {shown_translation} was first committed, {date}") from None
    return PastVersion(data, date)


def _top_folder(folder):
    try:
        return os.fsdecode(_git(folder, "rev-parse", "--show-toplevel")).strip()
    except Untold as exc:
        raise Untold("not in a git repository" if "not a git repository" in str(exc) else str(exc)) from None


def _in_repository(path, top):
    """``path`` relative to the repository's top folder, in git's spelling; None outside it."""
    relative = os.path.relpath(os.path.realpath(path), os.path.realpath(top))
    return None if relative.startswith("..") else relative.replace(os.sep, "/")


def _first_commit(top, relative, shown):
    """"<hash> <YYYY-MM-DD>" of the oldest commit holding ``relative``."""
    try:
        log = os.fsdecode(_git(top, "log", "--reverse", "--format=%H %cs", "--", relative)).split("\n")
    except Untold:
        log = []  # a repository without any commit yet
    if not log or not log[0].strip():
        raise Untold(f"{shown} is not committed yet")
    return log[0].strip()


def _git(folder, *args):
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, check=False)
    except FileNotFoundError:
        raise Untold("git is not installed") from None
    if done.returncode != 0:
        first_line = os.fsdecode(done.stderr).strip().split("\n")[0]
        raise Untold(first_line.removeprefix("fatal: ") or f"git {args[0]} failed")
    return done.stdout
