"""Which part of the project may import which: dependencies run one way.

    newsletter/   the newsletter engine: imports nothing else of the project
    sitekit/      below the plugins and the commands: imports nothing else of the project
    importers/    reading other platforms' exports: sitekit and newsletter only
    plugins/      Pelican plugins: sitekit, newsletter and the leaf modules, never publisher/ nor another plugin
    publisher/    the commands: sitekit, newsletter, the leaf modules and Pelican, never a plugin's modules

Imports are read from the source (ast), so an import inside a function counts too.
"""

import ast

import pytest

from conftest import ROOT

PLUGINS = sorted(path.name for path in (ROOT / "plugins").iterdir() if (path / "__init__.py").is_file())
PROJECT = {"publisher", "newsletter", "sitekit", "importers", "placeholders", "pelicanconf", "publishconf", "tasks",
           "benchmarks", *PLUGINS}


def modules(folder):
    return sorted((ROOT / folder).rglob("*.py"))


def imported(source):
    """The top-level names of the absolute imports in ``source`` (relative ones stay in their package)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def edits_sys_path(source):
    """Whether ``source`` changes sys.path (an assignment to it or a call of one of its methods)."""
    for node in ast.walk(ast.parse(source)):
        target = node.func.value if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
        for candidate in [target, *[t.value if isinstance(t, ast.Subscript) else t for t in targets]]:
            if isinstance(candidate, ast.Attribute) and candidate.attr == "path" and \
                    isinstance(candidate.value, ast.Name) and candidate.value.id == "sys":
                return True
    return False


def breaches(folder, allowed):
    found = []
    for path in modules(folder):
        wrong = (imported(path.read_text(encoding="utf-8")) & PROJECT) - allowed(path)
        found += [f"{path.relative_to(ROOT)} imports {name}" for name in sorted(wrong)]
    return found


LAYERS = {
    "newsletter": lambda path: {"newsletter"},
    "sitekit": lambda path: {"sitekit"},
    # Importers turn exports into content, comments, redirects and subscribers; the command that runs
    # them (publisher/importing.py) sits above.
    "importers": lambda path: {"importers", "sitekit", "newsletter"},
    # A plugin uses the layers below and its own package (plugins talk through signals); the build's
    # state comes through sitekit.build_context.
    "plugins": lambda path: {"sitekit", "newsletter", "placeholders", path.relative_to(ROOT / "plugins").parts[0]},
    # The commands read what the plugins leave through sitekit's build context, never a plugin's modules.
    "publisher": lambda path: PROJECT - set(PLUGINS),
}


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_each_layer_imports_only_what_is_below_it(folder):
    assert breaches(folder, LAYERS[folder]) == []


@pytest.mark.parametrize("folder", ["newsletter", "sitekit", "importers", "plugins", "publisher", "benchmarks"])
def test_no_library_code_edits_sys_path(folder):
    assert [str(path.relative_to(ROOT)) for path in modules(folder) if edits_sys_path(path.read_text("utf-8"))] == []


@pytest.mark.parametrize("source, names", [
    ("import publisher.build", {"publisher"}),
    ("from publisher.build import build_site", {"publisher"}),
    ("def f():\n    from sitekit import cache_file", {"sitekit"}),
    ("from . import state\nfrom .handlers import register", set()),
])
def test_imports_are_found_wherever_they_are_written(source, names):
    assert imported(source) == names


@pytest.mark.parametrize("source", [
    "import sys\nsys.path.insert(0, '.')", "import sys\nsys.path[:0] = ['x']", "import sys\nsys.path += ['x']",
    "import sys\nsys.path = ['x']", "import sys\nsys.path.append('x')",
])
def test_every_way_of_editing_sys_path_is_seen(source):
    assert edits_sys_path(source)


def test_a_plugin_importing_the_commands_is_a_breach(tmp_path, monkeypatch):
    """The check itself: a plugin module that imports publisher/ is named."""
    plugin = tmp_path / "plugins" / "example"
    plugin.mkdir(parents=True)
    (plugin / "__init__.py").write_text("from publisher.build import build_site\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert breaches("plugins", LAYERS["plugins"]) == ["plugins/example/__init__.py imports publisher"]


def test_a_command_importing_a_plugin_is_a_breach(tmp_path, monkeypatch):
    """The check itself: a publisher module that imports a plugin's modules is named."""
    (tmp_path / "publisher").mkdir()
    (tmp_path / "publisher" / "authoring.py").write_text("def f():\n    from bilingual.checks import source_digest\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert breaches("publisher", LAYERS["publisher"]) == ["publisher/authoring.py imports bilingual"]


def test_a_plugin_importing_another_plugin_is_a_breach(tmp_path, monkeypatch):
    """The check itself: plugins talk through signals, so importing another plugin is named."""
    for name in ("first", "second"):
        (tmp_path / "plugins" / name).mkdir(parents=True)
    (tmp_path / "plugins" / "first" / "__init__.py").write_text("from first import handlers\n")
    (tmp_path / "plugins" / "second" / "__init__.py").write_text("from bilingual import french_html\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert breaches("plugins", LAYERS["plugins"]) == ["plugins/second/__init__.py imports bilingual"]
