"""Which changes reach the preview: the files a build may read, gathered a burst of saves at a time."""

import threading
from dataclasses import dataclass, field
from pathlib import Path

import watchfiles


class ChangeFilter(watchfiles.DefaultFilter):
    """Changes to files a build may read: watchfiles' defaults (.swp, ~, .#*, __pycache__, .git...)
    are left out, and so are other editors' and tools' temporary files."""

    ignore_entity_patterns = (
        *watchfiles.DefaultFilter.ignore_entity_patterns,
        r"^\.",                  # hidden: Pelican's IGNORE_FILES leaves them out too (gedit's .goutputstream-...)
        r"^\d+$",                # vim's test of the folder: 4913, or 5036, 5159... while that one exists
        r"^sed[A-Za-z0-9]{6}$",  # sed -i's copy being written
        r"^#.*#$",               # emacs auto-save
        r"\.kate-swp$",
    )

    def __init__(self, ignore_paths=(), static_folders=()):
        super().__init__(ignore_paths=[str(p) for p in ignore_paths])
        self.static_folders = tuple(Path(p) for p in static_folders)

    def __call__(self, change, path):
        return super().__call__(change, path) and self._may_be_read(Path(path))

    def _may_be_read(self, path):
        """Pelican's readers choose files by their extension: a name without one (a temporary
        file's) is a source only where files are copied whatever their name (CNAME), or as a
        folder moved in with its posts."""
        if path.suffix or path.is_dir():
            return True
        return any(folder == path or folder in path.parents for folder in self.static_folders)


@dataclass
class Watcher:
    """Yields the set of files changed under ``paths()``, one burst of saves at a time.

    Changes made while the consumer works on a batch (a rebuild) come in the
    next one. ``paths`` is called each time watching (re)starts. A file watched
    by itself (the settings file) is watched again after it changes: editors
    save by replacing the file, which ends a watch on the old one.
    """

    paths: object                      # callable returning the paths to watch
    ignore_paths: tuple = ()
    static_folders: object = tuple     # callable returning the folders copied as they are (ChangeFilter)
    step_ms: int = 100                 # quiet time that ends a burst of changes
    debounce_ms: int = 1600            # longest a burst is gathered
    ready: threading.Event = field(default_factory=threading.Event)  # set once changes are being recorded

    def batches(self, stop):
        signatures = {}  # of the files watched by themselves, as last reported
        while not stop.is_set():
            paths = [Path(p) for p in self.paths()]
            watched_files = {p for p in paths if p.is_file()}
            for file in watched_files:
                signatures.setdefault(file, _signature(file))
            changes = watchfiles.watch(
                *paths, watch_filter=ChangeFilter(self.ignore_paths, self.static_folders()),
                debounce=self.debounce_ms, step=self.step_ms, stop_event=stop,
                rust_timeout=200, yield_on_timeout=True)
            first, watch_again = True, False
            try:
                for batch in changes:
                    self.ready.set()  # the first (empty) batch comes once the watches are in place
                    changed = {Path(path) for _, path in batch}
                    if first:  # a save the ended watch missed (between the editor's rename and now)
                        changed |= {file for file in watched_files if _signature(file) != signatures[file]}
                        first = False
                    if not changed:
                        if watch_again:
                            break  # nothing pending: the new watches lose nothing
                        continue
                    for file in changed & watched_files:
                        signatures[file] = _signature(file)
                    yield changed
                    watch_again = watch_again or bool(changed & watched_files)
                else:
                    return  # stopped
            finally:
                changes.close()


def _signature(path):
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size
