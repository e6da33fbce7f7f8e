"""The README's commands work as written, in a fresh shell after `make publish`,
and its examples build."""

import os
import re
import shlex
import shutil
import subprocess
from functools import cache

import pytest

from conftest import ROOT
from small_project import SmallProject

README = (ROOT / "README.md").read_text(encoding="utf-8")
INVOKE = ".venv/bin/invoke"


def code_blocks():
    return re.findall(r"(?ms)^```[a-z]*\n(.*?)^```", README)


def inline_code():
    prose = re.sub(r"(?ms)^```.*?^```", "", README)
    return re.findall(r"`([^`\n]+)`", prose)


def shell_lines():
    """Each command the README shows: a code block's line or an inline code span."""
    lines = [line for block in code_blocks() for line in block.splitlines()]
    return [text.split("  #")[0].strip() for text in lines + inline_code()]


def invoke_commands():
    return [line for line in shell_lines() if line.startswith(INVOKE + " ")]


def run_as_a_fresh_shell(*arguments):
    """INVOKE with ARGUMENTS from the project folder, without the virtual environment on PATH."""
    environment = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    shown = subprocess.run([str(ROOT / INVOKE), *arguments], cwd=ROOT, env=environment,
                           capture_output=True, text=True)
    assert shown.returncode == 0, f"`{INVOKE} {' '.join(arguments)}` failed: {shown.stderr[-300:]}"
    return shown.stdout


@cache
def task_options(task):
    """The long options `invoke --help TASK` lists."""
    return set(re.findall(r"--([a-z][a-z-]*)", run_as_a_fresh_shell("--help", task).split("Options:", 1)[1]))


def test_no_command_needs_the_virtual_environment_activated():
    bare = [line for line in shell_lines() if re.match(r"(inv|invoke)\s", line)]
    assert bare == [], f"write these as `{INVOKE} ...`, which works in a fresh shell: {bare}"


def test_the_readme_shows_the_editor_s_commands():
    tasks = {shlex.split(command)[1] for command in invoke_commands()}
    assert {"publish", "check", "new-post", "translate", "newsletter-send", "serve"} <= tasks, tasks


@pytest.mark.parametrize("command", sorted(set(invoke_commands())))
def test_each_command_names_a_task_and_options_it_has(command):
    words = shlex.split(command)
    if words[1].startswith("-"):  # invoke's own option, such as --list
        run_as_a_fresh_shell(*words[1:])
        return
    task, options = words[1], {word[2:].split("=")[0] for word in words[2:] if word.startswith("--")}
    unknown = options - task_options(task)
    assert not unknown, f"README: `{command}`: {task} has no option {', '.join(sorted(unknown))}"


def media_example():
    [image] = re.findall(r"\*\*Media\.\*\* `(!\[[^`]+)`", README)
    return image


def test_the_media_example_builds_into_a_figure(tmp_path):
    """The image line of the README's Media paragraph, pasted into a post, builds as written."""
    image = media_example()
    path = re.search(r"\]\((?:\{static\}/)?([^ )]+)", image).group(1)
    project = SmallProject(tmp_path, original_extra="")
    shutil.copy(ROOT / "content/images/plan-editorial.jpg", project.folder / "content" / path)
    original = project.folder / "content/posts/fr/article-a-commenter.md"
    original.write_text(original.read_text(encoding="utf-8") + f"\n{image}\n", encoding="utf-8")
    refresh_source_hash(project)
    project.build()
    figure = project.page("article-a-commenter/").select_one("article figure")
    assert figure is not None and figure.img["alt"] == "What it shows"
    assert figure.figcaption.get_text(strip=True) == "Caption"


def refresh_source_hash(project):
    from bilingual.checks import source_digest

    translation = project.folder / "content/posts/en/post-to-comment-on.md"
    digest = source_digest(project.folder / "content/posts/fr/article-a-commenter.md")
    text = re.sub(r"(?m)^Source-Hash: \S+", f"Source-Hash: {digest}", translation.read_text(encoding="utf-8"))
    translation.write_text(text, encoding="utf-8")
