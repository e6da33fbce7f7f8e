"""publisher.deploy against real folders, a real rsync to a local folder, and real git repositories."""

import errno
import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import publisher.deploy.folder as folder_target
from publisher.deploy import DeployError, DeploySettingsError, deploy, load_settings, rsync_command
from publisher.deploy.settings import DEFAULTS

SITE = {
    "index.html": "<h1>Accueil</h1>",
    "strategie-editoriale/index.html": "<h1>Stratégie</h1>",
    "en/index.html": "<h1>Home</h1>",
    "en/editorial-strategy/index.html": "<h1>Strategy</h1>",
    "feeds/atom.xml": "<feed/>",
    "images/logo.png": bytes(range(256)) * 4,
    "sitemap.xml": "<urlset/>",
}
FOLDER = {"target": "folder", "folder": {"path": "public"}}
needs_rsync = pytest.mark.skipif(shutil.which("rsync") is None,
                                 reason="rsync is not installed (Debian: apt-get install rsync)")


def write_files(folder, files):
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())


def snapshot(folder):
    """Every file's bytes, inode and mtime, and every folder: what a deploy may or may not change."""
    files, dirs = {}, set()
    for path in sorted(Path(folder).rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_dir():
            dirs.add(rel)
        else:
            stat = path.stat()
            files[rel] = (path.read_bytes(), stat.st_ino, stat.st_mtime_ns)
    return files, dirs


def contents(folder):
    return {rel: data for rel, (data, _, _) in snapshot(folder)[0].items()}


@pytest.fixture
def output(tmp_path):
    folder = tmp_path / "output"
    write_files(folder, SITE)
    return folder


def expected(files=SITE):
    return {rel: content if isinstance(content, bytes) else content.encode() for rel, content in files.items()}


# --- folder -----------------------------------------------------------------------------

def test_folder_first_deploy_copies_every_file_then_a_second_changes_nothing(tmp_path, output):
    first = deploy(output, FOLDER, root=tmp_path)
    public = tmp_path / "public"
    assert contents(public) == expected()
    assert (first.copied, first.updated, first.deleted, first.unchanged) == (len(SITE), 0, 0, 0)
    assert first.copied_paths == sorted(SITE)
    assert first.url == public.as_uri() + "/"
    before = snapshot(public)

    second = deploy(output, FOLDER, root=tmp_path)

    assert (second.copied, second.updated, second.deleted, second.unchanged) == (0, 0, 0, len(SITE))
    assert second.changed_paths == []
    assert snapshot(public) == before  # same bytes, same inodes, same mtimes
    assert "0 copied, 0 updated, 0 deleted" in second.summary()


def test_folder_copies_only_the_changed_file_and_leaves_the_others_untouched(tmp_path, output):
    deploy(output, FOLDER, root=tmp_path)
    public = tmp_path / "public"
    before = snapshot(public)[0]
    (output / "en/index.html").write_text("<h1>HOME</h1>")  # same size, other bytes

    report = deploy(output, FOLDER, root=tmp_path)

    assert report.updated_paths == ["en/index.html"] and report.copied == report.deleted == 0
    assert report.unchanged == len(SITE) - 1
    after = snapshot(public)[0]
    assert after["en/index.html"][0] == b"<h1>HOME</h1>"
    assert {rel: after[rel] for rel in after if rel != "en/index.html"} == \
           {rel: before[rel] for rel in before if rel != "en/index.html"}


def test_folder_compares_bytes_not_modification_times(tmp_path, output):
    deploy(output, FOLDER, root=tmp_path)
    before = snapshot(tmp_path / "public")
    for path in output.rglob("*.html"):
        os.utime(path, ns=(10**18, 10**18))  # a rebuild rewrites every file with the same bytes

    report = deploy(output, FOLDER, root=tmp_path)

    assert report.changed_paths == [] and report.unchanged == len(SITE)
    assert snapshot(tmp_path / "public") == before


def test_folder_deletes_files_and_folders_no_longer_built(tmp_path, output):
    deploy(output, FOLDER, root=tmp_path)
    shutil.rmtree(output / "en/editorial-strategy")
    (tmp_path / "public/stray.txt").write_text("left by hand")

    report = deploy(output, FOLDER, root=tmp_path)

    assert report.deleted_paths == ["en/editorial-strategy/index.html", "stray.txt"]
    assert not (tmp_path / "public/en/editorial-strategy").exists()
    assert contents(tmp_path / "public") == expected({k: v for k, v in SITE.items() if "editorial-strategy" not in k})


def test_folder_replaces_a_folder_by_a_file_and_a_file_by_a_folder(tmp_path, output):
    deploy(output, FOLDER, root=tmp_path)
    shutil.rmtree(output / "feeds")
    (output / "sitemap.xml").unlink()
    write_files(output, {"feeds": "now a file", "sitemap.xml/index.html": "now a folder"})
    report = deploy(output, FOLDER, root=tmp_path)
    assert sorted(report.copied_paths) == ["feeds", "sitemap.xml/index.html"]
    assert sorted(report.deleted_paths) == ["feeds/atom.xml", "sitemap.xml"]
    assert contents(tmp_path / "public") == contents(output)


def test_folder_dry_run_reports_and_writes_nothing(tmp_path, output):
    fresh = deploy(output, FOLDER, dry_run=True, root=tmp_path)
    assert fresh.dry_run and fresh.copied == len(SITE) and not (tmp_path / "public").exists()
    assert fresh.summary().startswith("Would deploy")

    deploy(output, FOLDER, root=tmp_path)
    before = snapshot(tmp_path / "public")
    (output / "index.html").write_text("<h1>Nouvel accueil</h1>")
    (output / "sitemap.xml").unlink()
    write_files(output, {"new/index.html": "<p>new</p>"})

    report = deploy(output, FOLDER, dry_run=True, root=tmp_path)

    assert (report.copied_paths, report.updated_paths, report.deleted_paths) == \
           (["new/index.html"], ["index.html"], ["sitemap.xml"])
    assert snapshot(tmp_path / "public") == before


def test_folder_failure_while_copying_leaves_the_target_as_it_was(tmp_path, output, monkeypatch):
    deploy(output, FOLDER, root=tmp_path)
    before = snapshot(tmp_path / "public")
    (output / "index.html").write_text("<h1>Nouvel accueil</h1>")
    (output / "en/index.html").write_text("<h1>New home</h1>")
    (output / "sitemap.xml").unlink()
    copies = []

    def disk_full_on_second_copy(source, destination):
        copies.append(source)
        if len(copies) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(destination))
        shutil.copyfile(source, destination)

    monkeypatch.setattr(folder_target, "copy_file", disk_full_on_second_copy)
    with pytest.raises(DeployError, match=r"^folder deploy: .*No space left on device.*left as it was"):
        deploy(output, FOLDER, root=tmp_path)
    assert snapshot(tmp_path / "public") == before  # nothing replaced, nothing deleted, no staging left
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output", "public"]  # nor beside it


def test_folder_failure_on_a_first_deploy_leaves_no_target(tmp_path, output, monkeypatch):
    def fail(source, destination):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(destination))

    monkeypatch.setattr(folder_target, "copy_file", fail)
    with pytest.raises(DeployError, match="Permission denied"):
        deploy(output, FOLDER, root=tmp_path)
    assert not (tmp_path / "public").exists()


@pytest.mark.parametrize("where", ["output", "output/public", "root", "above-root", "/", "home", "checkout"])
def test_folder_refuses_dangerous_targets(tmp_path, output, monkeypatch, where):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "checkout/.git").mkdir(parents=True)
    path = {"output": output, "output/public": output / "public", "root": tmp_path, "above-root": tmp_path.parent,
            "/": Path("/"), "home": tmp_path / "home", "checkout": tmp_path / "checkout"}[where]
    before = snapshot(tmp_path)
    # dry_run: even if the check failed to fire, nothing could be written.
    with pytest.raises(DeploySettingsError, match=r"DEPLOY\['folder'\]\['path'\] is .*choose") as caught:
        deploy(output, {"folder": {"path": str(path)}}, dry_run=True, root=tmp_path)
    assert caught.value.key == "DEPLOY['folder']['path']"
    assert snapshot(tmp_path) == before


def test_default_settings_deploy_to_public_beside_output(tmp_path, output):
    report = deploy(output, None, root=tmp_path)
    assert report.target == "folder" and report.destination == str(tmp_path / "public")
    assert contents(tmp_path / "public") == expected()


def test_an_empty_or_missing_output_is_refused(tmp_path):
    (tmp_path / "output").mkdir()
    with pytest.raises(DeployError, match="missing or empty: build the site first"):
        deploy(tmp_path / "output", FOLDER, root=tmp_path)
    with pytest.raises(DeployError, match="missing or empty"):
        deploy(tmp_path / "nothing", FOLDER, root=tmp_path)
    assert not (tmp_path / "public").exists()


def test_the_configured_url_is_the_deployed_address(tmp_path, output):
    report = deploy(output, {**FOLDER, "url": "https://elise-marchand.example/"}, root=tmp_path)
    assert report.url == "https://elise-marchand.example/"
    assert report.summary().startswith("Deployed to https://elise-marchand.example/ (folder: ")


# --- settings ---------------------------------------------------------------------------

@pytest.mark.parametrize("setting, key, advice", [
    (["folder"], "DEPLOY", "must be a dict"),
    ({"target": "ftp"}, "DEPLOY['target']", "must be 'folder', 'rsync' or 'git', not 'ftp'"),
    ({"url": "elise-marchand.example"}, "DEPLOY['url']", "e.g. 'https://elise-marchand.example/'"),
    ({"folder": "public"}, "DEPLOY['folder']", "must be a dict of options"),
    ({"folder": {"path": ""}}, "DEPLOY['folder']['path']", "e.g. 'public'"),
    ({"target": "rsync"}, "DEPLOY['rsync']['destination']", "is needed for the rsync target"),
    ({"target": "rsync", "rsync": {"destination": "elise@host:"}}, "DEPLOY['rsync']['destination']",
     "name the site's own folder"),
    ({"target": "rsync", "rsync": {"destination": "elise@host:/"}}, "DEPLOY['rsync']['destination']",
     "name the site's own folder"),
    ({"target": "rsync", "rsync": {"destination": "h:/srv/site/", "port": "22"}}, "DEPLOY['rsync']['port']",
     "from 1 to 65535"),
    ({"target": "rsync", "rsync": {"destination": "h:/srv/site/", "ssh_key": "/no/such/key"}},
     "DEPLOY['rsync']['ssh_key']", "names no file"),
    ({"target": "git", "git": {"branch": "gh pages"}}, "DEPLOY['git']['branch']", "e.g. 'gh-pages'"),
    ({"target": "git", "git": {"branch": "-x"}}, "DEPLOY['git']['branch']", "e.g. 'gh-pages'"),
    ({"target": "git", "git": {"message": "Publish {when}"}}, "DEPLOY['git']['message']", "may use {date}"),
    ({"target": "git", "git": {"remote": ""}}, "DEPLOY['git']['remote']", "e.g. 'origin'"),
    ({"target": "git", "git": {"author": "elise@example.org"}}, "DEPLOY['git']['author']", "'Name <email>'"),
    ({"target": "git", "git": {"nojekyll": "yes"}}, "DEPLOY['git']['nojekyll']", "True or False"),
])
def test_bad_settings_are_refused_naming_the_key(setting, key, advice):
    with pytest.raises(DeploySettingsError) as caught:
        load_settings(setting)
    assert caught.value.key == key
    assert str(caught.value).startswith(key + " ") and advice in str(caught.value)
    assert isinstance(caught.value, DeployError)


def test_bad_settings_are_refused_before_anything_is_written(tmp_path, output):
    with pytest.raises(DeploySettingsError, match=r"DEPLOY\['target'\]"):
        deploy(output, {"target": "ftp", "folder": {"path": "public"}}, root=tmp_path)
    assert not (tmp_path / "public").exists()


def test_settings_merge_over_defaults_and_unknown_keys_warn(caplog):
    with caplog.at_level(logging.WARNING, logger="publisher.deploy"):
        merged = load_settings({"target": "git", "git": {"branch": "pages", "remtoe": "origin"}, "dry": True})
    assert merged["git"] == {**DEFAULTS["git"], "branch": "pages"}
    assert merged["folder"] == {"path": "public"}
    assert "DEPLOY: unknown key 'dry' ignored" in caplog.text
    assert "DEPLOY['git']: unknown key 'remtoe' ignored" in caplog.text
    assert load_settings(None)["target"] == "folder"


def test_rsync_over_ssh_uses_the_port_and_key_and_never_prompts(tmp_path, output):
    key = tmp_path / "id_ed25519"
    key.write_text("not a real key")
    options = load_settings({"target": "rsync", "rsync": {
        "destination": "elise@host.example:/var/www/site/", "port": 2222, "ssh_key": str(key)}})["rsync"]
    command = rsync_command(output, options, dry_run=True)
    assert command[:5] == ["rsync", "-rlpt", "--checksum", "--delete", "--delete-after"]
    assert "-n" in command and command[-2:] == [f"{output}/", "elise@host.example:/var/www/site/"]
    assert command[command.index("-e") + 1] == f"ssh -p 2222 -i {key} -o BatchMode=yes -o ConnectTimeout=30"
    local = rsync_command(output, {**options, "destination": str(tmp_path / "site")})
    assert "-e" not in local and "-n" not in local


# --- rsync, to a local folder -----------------------------------------------------------

def rsync_to(path):
    return {"target": "rsync", "rsync": {"destination": str(path)}}


@needs_rsync
def test_rsync_first_deploy_copies_all_then_nothing_then_only_the_changed_file(tmp_path, output):
    site = tmp_path / "site"
    first = deploy(output, rsync_to(site), root=tmp_path)
    assert sorted(first.copied_paths) == sorted(SITE) and first.updated == first.deleted == 0
    assert contents(site) == expected()
    before = snapshot(site)

    second = deploy(output, rsync_to(site), root=tmp_path)
    assert second.changed_paths == [] and second.unchanged == len(SITE)
    assert snapshot(site) == before

    (output / "en/index.html").write_text("<h1>HOME</h1>")  # same size, other bytes
    third = deploy(output, rsync_to(site), root=tmp_path)
    assert third.updated_paths == ["en/index.html"] and third.copied == third.deleted == 0
    after = snapshot(site)[0]
    assert after["en/index.html"][0] == b"<h1>HOME</h1>"
    assert {k: v for k, v in after.items() if k != "en/index.html"} == \
           {k: v for k, v in before[0].items() if k != "en/index.html"}


@needs_rsync
def test_rsync_deletes_what_is_no_longer_built(tmp_path, output):
    site = tmp_path / "site"
    deploy(output, rsync_to(site), root=tmp_path)
    shutil.rmtree(output / "en/editorial-strategy")
    report = deploy(output, rsync_to(site), root=tmp_path)
    assert report.deleted_paths == ["en/editorial-strategy/index.html"]
    assert not (site / "en/editorial-strategy").exists()
    assert contents(site) == contents(output)


@needs_rsync
def test_rsync_dry_run_reports_and_writes_nothing(tmp_path, output):
    site = tmp_path / "site"
    fresh = deploy(output, rsync_to(site), dry_run=True, root=tmp_path)
    assert fresh.copied == len(SITE) and not site.exists()

    deploy(output, rsync_to(site), root=tmp_path)
    before = snapshot(site)
    (output / "index.html").write_text("<h1>Nouvel accueil</h1>")
    (output / "sitemap.xml").unlink()
    report = deploy(output, rsync_to(site), dry_run=True, root=tmp_path)
    assert (report.updated_paths, report.deleted_paths) == (["index.html"], ["sitemap.xml"])
    assert snapshot(site) == before


@needs_rsync
def test_rsync_to_a_folder_whose_parent_is_missing_raises_a_deploy_error(tmp_path, output):
    destination = tmp_path / "missing" / "deeper" / "site"
    with pytest.raises(DeployError) as caught:
        deploy(output, rsync_to(destination), root=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"rsync deploy: rsync to {destination} failed (exit status ")
    assert "No such file or directory" in message and "check that the folder above" in message
    assert caught.value.target == "rsync" and not (tmp_path / "missing").exists()


@needs_rsync
def test_rsync_refuses_a_local_destination_inside_output(tmp_path, output):
    with pytest.raises(DeploySettingsError, match=r"DEPLOY\['rsync'\]\['destination'\] is .*inside the build"):
        deploy(output, rsync_to(output / "copy"), dry_run=True, root=tmp_path)


# --- git --------------------------------------------------------------------------------

AUTHOR = "Publisher Test <publisher@example.org>"


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A repository on main with a commit, an unstaged change and an untracked file; output/ inside it."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))  # no user identity, no hooks
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_files(root, {"README.md": "# Site\n", ".gitignore": "output/\n"})
    git(root, "add", ".")
    git(root, "-c", f"user.name={AUTHOR.split(' <')[0]}", "-c", "user.email=publisher@example.org",
        "commit", "-q", "-m", "Start")
    (root / "README.md").write_text("# Site, being edited\n")
    (root / "draft.md").write_text("draft")
    write_files(root / "output", SITE)
    return root


def git_settings(**options):
    return {"target": "git", "git": {"author": AUTHOR, **options}}


def user_state(root):
    """What the author works with: the current branch, the status, the index and the files."""
    index = (root / ".git/index").stat()  # before `git status`, which may refresh it
    return ((root / ".git/index").read_bytes(), index.st_ino, index.st_mtime_ns,
            git(root, "symbolic-ref", "HEAD"), git(root, "rev-parse", "HEAD"),
            git(root, "--no-optional-locks", "status", "--porcelain"),
            contents(root / "output"), (root / "README.md").read_text(), (root / "draft.md").read_text())


def test_git_commits_the_site_to_a_branch_without_touching_the_working_tree(project):
    before = user_state(project)
    report = deploy(project / "output", git_settings(), root=project)

    assert report.commit == git(project, "rev-parse", "gh-pages")
    assert sorted(report.copied_paths) == sorted([*SITE, ".nojekyll"]) and report.updated == report.deleted == 0
    assert git(project, "ls-tree", "-r", "--name-only", "gh-pages").splitlines() == sorted([*SITE, ".nojekyll"])
    assert git(project, "show", "gh-pages:en/index.html") == SITE["en/index.html"]
    assert git(project, "show", "gh-pages:.nojekyll") == ""
    assert git(project, "log", "-1", "--format=%an <%ae>|%s", "gh-pages").startswith(f"{AUTHOR}|Publish 20")
    assert user_state(project) == before
    assert report.destination == f"{project} (gh-pages)"


def test_git_makes_no_commit_when_the_tree_is_the_same(project):
    deploy(project / "output", git_settings(), root=project)
    tip = git(project, "rev-parse", "gh-pages")
    report = deploy(project / "output", git_settings(), root=project)
    assert report.commit is None and report.changed_paths == [] and report.unchanged == len(SITE) + 1
    assert git(project, "rev-parse", "gh-pages") == tip


def test_git_commits_only_what_changed_on_top_of_the_previous_deploy(project):
    deploy(project / "output", git_settings(), root=project)
    first = git(project, "rev-parse", "gh-pages")
    (project / "output/en/index.html").write_text("<h1>HOME</h1>")
    (project / "output/sitemap.xml").unlink()

    report = deploy(project / "output", git_settings(message="Site of {date}"), root=project)

    assert (report.updated_paths, report.deleted_paths, report.copied_paths) == (["en/index.html"], ["sitemap.xml"], [])
    assert git(project, "rev-parse", "gh-pages^") == first
    assert git(project, "diff", "--name-status", first, "gh-pages").splitlines() == \
           ["M\ten/index.html", "D\tsitemap.xml"]
    assert git(project, "log", "-1", "--format=%s", "gh-pages").startswith("Site of 20")


def test_git_dry_run_writes_no_object_and_no_branch(project):
    git_dir = project / ".git"
    before = snapshot(git_dir)
    report = deploy(project / "output", git_settings(), dry_run=True, root=project)
    assert report.copied == len(SITE) + 1 and report.commit is None
    assert snapshot(git_dir) == before


def test_git_pushes_to_a_remote_and_a_second_deploy_changes_nothing_there(project, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    settings = git_settings(remote=str(remote))

    first = deploy(project / "output", settings, root=project)
    assert first.pushed and git(remote, "rev-parse", "gh-pages") == first.commit
    second = deploy(project / "output", settings, root=project)
    assert second.commit is None and second.pushed
    assert git(remote, "rev-parse", "gh-pages") == first.commit
    assert git(remote, "for-each-ref", "--format=%(refname)") == "refs/heads/gh-pages"


def test_git_push_to_a_missing_remote_raises_a_deploy_error(project, tmp_path):
    missing = tmp_path / "nowhere.git"
    with pytest.raises(DeployError) as caught:
        deploy(project / "output", git_settings(remote=str(missing)), root=project)
    message = str(caught.value)
    assert message.startswith(f"git deploy: `git push` failed in {project}: ")
    assert str(missing) in message and f"git push {missing} gh-pages" in message
    assert "the commit is on the local gh-pages branch" in message
    assert git(project, "rev-parse", "--verify", "gh-pages")  # committed; the next deploy pushes it


def test_git_push_rejected_because_someone_else_published(project, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    other = tmp_path / "other"
    write_files(other, {"index.html": "someone else's site"})
    deploy(other, {"target": "git", "git": {"repository": str(remote), "author": AUTHOR}}, root=tmp_path)
    with pytest.raises(DeployError, match=rf"git fetch {remote} gh-pages:gh-pages, then deploy again"):
        deploy(project / "output", git_settings(remote=str(remote)), root=project)
    assert git(remote, "show", "gh-pages:index.html") == "someone else's site"


def test_git_refuses_a_branch_that_is_checked_out(project):
    git(project, "checkout", "-q", "-b", "gh-pages")
    with pytest.raises(DeployError, match=rf"the branch gh-pages is checked out in {project}"):
        deploy(project / "output", git_settings(), root=project)


def test_git_refuses_a_folder_that_is_no_repository(tmp_path, output, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with pytest.raises(DeployError, match=r"^git deploy: `git rev-parse` failed .*DEPLOY\['git'\]\['repository'\]"):
        deploy(output, {"target": "git", "git": {"repository": "."}}, root=tmp_path)
    with pytest.raises(DeployError, match="which is not a folder"):
        deploy(output, {"target": "git", "git": {"repository": "nothing"}}, root=tmp_path)
