"""The redirects file, read once per build."""

import os
import tomllib


class RedirectsState:
    """Kept in the build context of every language run; reset at each main run."""

    def __init__(self, path):
        self.path = path
        self.reset()

    def reset(self):
        self.entries = None

    def read(self, problem):
        """{old address: target} from the file ({} without one); ``problem(field, message)`` hears
        of a file that is not TOML (one line, naming the line) and of values that are not text."""
        if self.entries is not None:
            return self.entries
        self.entries = {}
        if not os.path.exists(self.path):
            return self.entries
        try:
            with open(self.path, "rb") as file:
                data = tomllib.load(file)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            problem("TOML", f"not valid TOML: {error}; each line reads \"/old/address/\" = \"target\"")
            return self.entries
        for old, target in data.items():
            if isinstance(target, str) and target.strip():
                self.entries[old] = target.strip()
            else:
                problem(old, "the target must be text: a file under content/ (\"posts/fr/post.md\"), "
                             "\"category:<slug>\", \"tag:<slug>\" or \"feed:<lang>\"")
        return self.entries
