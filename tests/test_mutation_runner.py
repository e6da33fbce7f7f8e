"""invoke mutate's runner (publisher/mutation.py) on a tiny fake module: mutmut's results read, survivors
matched to their justification, the report. No mutation run here: that is `invoke mutate`'s, and slow."""

import io
import json
import tomllib

import pytest

from publisher import mutation
from publisher.mutation import ModuleResult, Mutant

ROOT = mutation.ROOT

FAKE_DIFFS = {
    "shop.price.x_total__mutmut_2": """# shop.price.x_total__mutmut_2: survived
--- shop/price.py
+++ shop/price.py
@@ -1,3 +1,3 @@
 def total(items):
-    return sum(items) + 0
+    return sum(items) - 0
""",
    "shop.price.xǁCartǁadd__mutmut_1": """--- shop/price.py
+++ shop/price.py
@@ -1,3 +1,3 @@
 def add(self, item):
-        logger.info("added %s", item)
+        logger.info(None, item)
         self.items.append(item)
""",
}


@pytest.fixture
def meta(tmp_path):
    path = tmp_path / "price.py.meta"
    path.write_text(json.dumps({"exit_code_by_key": {
        "shop.price.x_total__mutmut_1": 1,            # killed
        "shop.price.x_total__mutmut_2": 0,            # survived
        "shop.price.xǁCartǁadd__mutmut_1": 0,         # survived
        "shop.price.xǁCartǁadd__mutmut_2": 36,        # timeout: the tests noticed
        "shop.price.xǁCartǁadd__mutmut_3": 34,        # skipped: not counted
    }, "durations_by_key": {}}), encoding="utf-8")
    return path


def read(meta):
    shown = []

    def show(name):
        shown.append(name)
        return FAKE_DIFFS[name]
    return ModuleResult("shop/price.py", mutation.read_mutants(meta, show)), shown


def test_statuses_are_read_and_only_survivors_are_shown(meta):
    result, shown = read(meta)
    assert {mutant.name: mutant.status for mutant in result.mutants} == {
        "shop.price.x_total__mutmut_1": "killed", "shop.price.x_total__mutmut_2": "survived",
        "shop.price.xǁCartǁadd__mutmut_1": "survived", "shop.price.xǁCartǁadd__mutmut_2": "timeout",
        "shop.price.xǁCartǁadd__mutmut_3": "skipped"}
    assert sorted(shown) == sorted(FAKE_DIFFS)
    assert (result.killed, len(result.survivors), result.total) == (2, 2, 4)
    assert result.score == 50.0
    assert not any(line.startswith("# ") for mutant in result.survivors for line in mutant.diff.splitlines())


def test_functions_and_changed_lines_are_named_as_the_list_writes_them():
    assert mutation.function_of("shop.price.xǁCartǁadd__mutmut_12") == "Cart.add"
    assert mutation.function_of("shop.price.x_total__mutmut_2") == "total"
    assert mutation.changed_lines(FAKE_DIFFS["shop.price.x_total__mutmut_2"]) == (
        "return sum(items) + 0", "return sum(items) - 0")


def test_a_justified_survivor_counts_and_shows_its_reason(meta, tmp_path):
    result, _ = read(meta)
    listed = tmp_path / "survivors.toml"
    listed.write_text('[[survivor]]\nmodule = "shop/price.py"\nfunction = "Cart.add"\n'
                      'before = \'logger.info("added %s", item)\'\nafter = "logger.info(None, item)"\n'
                      'reason = "logging only"\n', encoding="utf-8")
    mutation.justify(result, mutation.load_justifications(listed))
    reasons = {mutant.name: mutant.reason for mutant in result.survivors}
    assert reasons == {"shop.price.x_total__mutmut_2": "", "shop.price.xǁCartǁadd__mutmut_1": "logging only"}
    assert (result.justified, result.score) == (1, 75.0)

    out = io.StringIO()
    mutation.report([result], out)
    text = out.getvalue()
    assert "shop/price.py · Cart.add · mutmut_1 (justified: logging only)" in text
    assert "-    return sum(items) + 0\n+    return sum(items) - 0" in text
    table = text.rsplit("module", 1)[1].splitlines()
    assert table[1].split() == ["shop/price.py", "2", "1", "1", "4", "75.0", "%"]


def test_the_stub_printed_for_an_unjustified_survivor_is_valid_toml_that_matches_it(meta, tmp_path):
    result, _ = read(meta)
    survivor = next(mutant for mutant in result.survivors if mutant.function == "Cart.add")
    listed = tmp_path / "survivors.toml"
    listed.write_text(mutation.stub("shop/price.py", survivor).replace('reason = ""', 'reason = "why"'),
                      encoding="utf-8")
    mutation.justify(result, mutation.load_justifications(listed))
    assert survivor.reason == "why"


def test_an_entry_without_a_reason_is_refused_in_one_line(tmp_path):
    listed = tmp_path / "survivors.toml"
    listed.write_text('[[survivor]]\nmodule = "m.py"\nfunction = "f"\nbefore = "a"\nafter = "b"\n', encoding="utf-8")
    with pytest.raises(mutation.BadInput, match=r"survivor 1 lacks reason"):
        mutation.load_justifications(listed)


def test_modules_are_chosen_by_file_or_folder_and_an_unknown_one_is_refused():
    targets = {"a/b/c.py": ["t1"], "a/b/d.py": ["t2"], "a/e.py": ["t3"]}
    assert mutation.select(targets, []) == list(targets)
    assert mutation.select(targets, ["a/b/"]) == ["a/b/c.py", "a/b/d.py"]
    assert mutation.select(targets, ["a/e.py", "a/b"]) == ["a/e.py", "a/b/c.py", "a/b/d.py"]
    with pytest.raises(mutation.BadInput, match="a/x.py: not a module"):
        mutation.select(targets, ["a/x.py"])


def test_the_settings_mutate_one_file_and_run_only_its_tests(tmp_path):
    for name in ("newsletter", "plugins", "tests", "pelicanconf.py"):
        (tmp_path / name).mkdir() if "." not in name else (tmp_path / name).write_text("")
    settings = tomllib.loads(mutation.mutmut_settings("newsletter/delivery/retry.py",
                                                      ["tests/test_delivery_errors.py"], tmp_path))["tool"]["mutmut"]
    assert settings["source_paths"] == ["newsletter"]
    assert settings["only_mutate"] == ["newsletter/delivery/retry.py"]
    assert settings["pytest_add_cli_args_test_selection"] == ["tests/test_delivery_errors.py"]
    assert settings["also_copy"] == ["pelicanconf.py", "plugins"]


def test_the_repository_table_and_survivors_list_name_real_files():
    targets = mutation.load_targets()
    for module, tests in targets.items():
        assert (ROOT / module).is_file(), module
        for test in tests:
            assert (ROOT / test).is_file(), f"{module}: {test}"
    for entry in mutation.load_justifications():
        assert entry["module"] in targets, entry


def test_scores_of_a_later_run_are_merged_with_the_modules_it_did_not_run(tmp_path):
    path = tmp_path / "scores.json"
    first = mutation.ModuleResult("a.py", [mutation.Mutant("a.x__mutmut_1", "killed")])
    second = mutation.ModuleResult("b.py", [mutation.Mutant("b.x__mutmut_1", "survived", "-x\n+y")])
    mutation.save_scores([first], path)
    mutation.save_scores([second], path)
    scores = json.loads(path.read_text(encoding="utf-8"))
    assert scores["a.py"]["score"] == 100.0 and scores["b.py"]["survived"] == 1
    assert sorted(scores) == ["a.py", "b.py"] and list(tmp_path.iterdir()) == [path]
