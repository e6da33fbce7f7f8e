"""The DEPLOY setting: merged over DEFAULTS and checked before anything is written."""

import os
import re
from pathlib import Path

from publisher.deploy.base import DeployError
from sitekit.settings import Flag, Invalid, Option, Schema, Section, SettingsError, Whole, require

TARGETS = ("folder", "rsync", "git")
BRANCH_NAME = re.compile(r"(?!-)(?!/)(?!.*\.\.)(?!.*//)(?!.*@\{)[^\s~^:?*\[\\\x00-\x1f\x7f]+(?<!\.lock)(?<![/.])")
AUTHOR = re.compile(r"[^<>]+ <[^<>\s]+>")
MESSAGE = "{key} must be a commit message that may use {{date}}, e.g. 'Publish {{date}}'"


class DeploySettingsError(DeployError, SettingsError):
    """DEPLOY cannot be used; the message names the key and what to write."""

    def __init__(self, message, key):
        SettingsError.__init__(self, message, key)
        self.target = "settings"


def load_settings(given):
    """Merge DEPLOY over DEFAULTS and check it; return the merged dict."""
    try:
        return DEPLOY.check({} if given is None else given, {})
    except SettingsError as error:
        raise DeploySettingsError(str(error), error.key) from None


def _is_path(value):
    return isinstance(value, (str, os.PathLike)) and str(value).strip() != ""


def _destination(destination, settings):
    require(isinstance(destination, str) and destination.strip())
    if is_remote(destination):
        remote_path = destination.split(":", 1)[1].strip().lstrip(":")
        if remote_path.rstrip("/") in ("", "~", ".", "./"):
            raise Invalid("{key} is {value!r}: name the site's own folder, e.g. 'user@host:/var/www/site/' "
                          "(rsync deletes there whatever is not built)")
    return destination


def _message(message, settings):
    require(isinstance(message, str) and message.strip())
    try:
        message.format(date="")
    except (KeyError, IndexError, ValueError, AttributeError):
        raise Invalid(MESSAGE + "; no other {{...}} (not {value!r})") from None
    return message


def _check_target(config, settings):
    """Only the chosen target's options are checked: the others may stay unfinished."""
    target = config["target"]
    config[target] = DEPLOY.options[target].schema.check(config[target], settings)
    return config


def _options(target, options, example):
    return Schema(f"DEPLOY[{target!r}]", options, example, refusal="{name} must be a dict of options, e.g. {example!r}")


DEPLOY = Schema("DEPLOY", {
    "target": Option("folder", "Where the site goes: \"folder\", \"rsync\" or \"git\"; the options are in the "
                               "dict of that name.", "{key} must be 'folder', 'rsync' or 'git', not {value!r}",
                     test=lambda target: target in TARGETS, kind="'folder', 'rsync' or 'git'"),
    "url": Option(None, "The public address, shown in the report; None: the target's own address.",
                  "{key} must be the site's public address, e.g. 'https://elise-marchand.example/', or None "
                  "(not {value!r})", kind="URL or None",
                  test=lambda url: url is None or (isinstance(url, str) and re.match(r"https?://\S+$", url))),
    "folder": Section(_options("folder", {
        "path": Option("public", "A local folder, relative to the project (keep it in .gitignore).",
                       "{key} must be a folder, e.g. 'public' (beside output/), not {value!r}", test=_is_path,
                       kind="folder"),
    }, {"path": "public"}), "A local folder (no network).", merge_only=True),
    "rsync": Section(_options("rsync", {
        "destination": Option(None, "\"user@host:/var/www/site/\" (or a local folder).",
                              "{key} is needed for the rsync target: write e.g. 'user@host:/var/www/site/' "
                              "(not {value!r})", check=_destination, kind="text"),
        "port": Whole(22, "SSH port.", "{key} must be a port number from 1 to 65535, e.g. 22 (not {value!r})",
                      most=65535),
        "ssh_key": Option(None, "Private key; None: ssh's default.",
                          "{key} names no file ({value!r}): write the path of your private key, e.g. "
                          "'~/.ssh/id_ed25519', or None for ssh's default", kind="path or None",
                          test=lambda key: key is None or (_is_path(key) and Path(key).expanduser().is_file())),
    }, {"destination": "user@host:/var/www/site/", "port": 22, "ssh_key": None}),
        "rsync to a folder, local or over SSH.", merge_only=True),
    "git": Section(_options("git", {
        "repository": Option(".", "The repository, relative to the project.",
                             "{key} must be the folder of a git repository, e.g. '.' (not {value!r})",
                             test=_is_path, kind="folder"),
        "branch": Option("gh-pages", "The branch the site is committed to.",
                         "{key} must be a branch name, e.g. 'gh-pages' (not {value!r})", kind="branch name",
                         test=lambda branch: isinstance(branch, str) and BRANCH_NAME.fullmatch(branch)),
        "remote": Option(None, "A remote's name or URL to push to; None: commit only.",
                         "{key} must be a remote's name or URL, e.g. 'origin', or None to commit without pushing "
                         "(not {value!r})", kind="text or None",
                         test=lambda remote: remote is None or (isinstance(remote, str) and remote.strip())),
        "message": Option("Publish {date}", "The commit message; {date} is replaced.", MESSAGE + " (not {value!r})",
                          check=_message, kind="text"),
        "author": Option(None, "\"Name <email>\"; None: git's configuration.",
                         "{key} must be 'Name <email>', e.g. 'Élise Marchand <elise@example.org>', or None "
                         "(not {value!r})", kind="text or None",
                         test=lambda author: author is None or (isinstance(author, str) and AUTHOR.fullmatch(author))),
        "nojekyll": Flag(True, "Add an empty .nojekyll (GitHub Pages)."),
    }, {"repository": ".", "branch": "gh-pages", "remote": "origin"}), "A branch of a git repository, pushed "
                                                                       "when it has a remote.", merge_only=True),
}, example={"target": "folder", "folder": {"path": "public"}}, finish=_check_target)
DEFAULTS = DEPLOY.defaults


def refuse_dangerous(output, target, root, key):
    """A target that deploying would wreck: output itself, or a folder holding the project or home."""
    if target == output or output in target.parents:
        raise DeploySettingsError(f"{key} is {target}, inside the build's output {output}: "
                                  "choose a folder outside it, e.g. 'public'", key)
    for what, place in (("the build's output", output), ("the project", root), ("your home folder", Path.home())):
        if target == place or target in place.parents:
            raise DeploySettingsError(f"{key} is {target}, which holds {what} ({place}): deploying deletes "
                                      "whatever is not built there; choose a folder of its own, e.g. 'public'", key)
    if (target / ".git").exists():
        raise DeploySettingsError(f"{key} is {target}, a git checkout (its .git would be deleted): "
                                  "choose another folder, or DEPLOY['target'] = 'git' to publish to a branch", key)


def is_remote(destination):
    """rsync's own rule: a colon before the first slash means a host (or rsync://)."""
    return destination.startswith("rsync://") or ":" in destination.split("/", 1)[0]
