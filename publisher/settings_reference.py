"""docs/settings.md, written from the schemas: each setting dict, each key's kind, default and use.

    .venv/bin/invoke settings-doc

A development command, not part of a build. It loads the plugins that
pelicanconf.py lists the way Pelican does, and the commands' own settings
(DEPLOY), then takes every schema declared at the top of a module of the
project's code: a new setting appears here without being listed by hand.
"""

import sys
from pathlib import Path

from pelican.plugins._utils import load_plugins
from pelican.settings import read_settings

import publisher.deploy.settings  # noqa: F401  (declares DEPLOY)
from sitekit.settings import Schema, Section

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "settings.md"
COMMAND = ".venv/bin/invoke settings-doc"
CODE_FOLDERS = ("sitekit", "plugins", "publisher")


def declared_schemas(settings_file=ROOT / "pelicanconf.py"):
    """(schema, its module's path) for every schema at the top of a loaded module of CODE_FOLDERS."""
    load_plugins(read_settings(str(settings_file)))
    found = {}
    for module in list(sys.modules.values()):
        path = _project_path(getattr(module, "__file__", None))
        if path is None:
            continue
        for value in vars(module).values():
            if isinstance(value, Schema):
                found.setdefault(value.name, (value, path))
    return sorted(found.values(), key=lambda pair: pair[0].name)


def _project_path(file):
    """The path of a module's file relative to the project, when it is the project's code."""
    if not file:
        return None
    path = Path(file).resolve()
    if not path.is_relative_to(ROOT) or path.relative_to(ROOT).parts[0] not in CODE_FOLDERS:
        return None
    return path.relative_to(ROOT).as_posix()


def reference(schemas):
    """The text of docs/settings.md for ``schemas``, a list of (schema, module path)."""
    lines = ["# Settings reference", "",
             f"Written from the schemas by `{COMMAND}`; edit the schemas, not this file.",
             "Each setting is a dict in `pelicanconf.py` (or `publishconf.py`); every key is optional",
             "unless said otherwise, an unknown key is ignored with a warning, and a value that cannot",
             "be used stops the command with a message naming the key and what to write.", ""]
    for schema, path in schemas:
        lines += section(schema, f"`{schema.name}`, checked by `{path}`")
    return "\n".join(lines)


def section(schema, title):
    lines = [f"## {title}", "", f"    {schema.name} = {schema.example!r}", "",
             "| key | value | default | what it does |", "|---|---|---|---|"]
    nested = []
    for key, option in schema.options.items():
        default = "see below" if isinstance(option, Section) else f"`{option.default!r}`"
        lines.append(f"| `{key}` | {option.kind} | {cell(default)} | {cell(option.doc)} |")
        if isinstance(option, Section):
            nested.append(option.schema)
    lines.append("")
    for inner in nested:
        lines += section(inner, f"`{inner.name}`")
    return lines


def cell(text):
    """Text kept as written in a table cell: "|" would end the cell and "<...>" read as HTML."""
    return text.replace("|", "\\|").replace("<", "\\<")


def main():
    DOC.write_text(reference(declared_schemas()), encoding="utf-8")


if __name__ == "__main__":
    main()
