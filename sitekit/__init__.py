"""What the build's plugins and the editor's commands share, below both of them.

File primitives (a file written aside and renamed, a linked copy, work folders
swapped into place), the cache file and its fingerprints, the files a build
keeps from the previous one, the worker processes, CSP merging, whether a
build lists a plugin, the settings schema; the build context (what the
language runs share, each plugin's state) and the content rules (the languages
and which one a file is in, slugs, the taxonomy, Source-Hash, French
typography, a metadata field's number). It imports neither plugins/ nor
publisher/: both import it (tests/test_layers.py).
"""
