"""`invoke serve`: the author's preview (``python -m publisher.preview``, see __main__.py).

Each part can be replaced on its own:

- ``builder.Preview`` builds the site (``build()`` once, ``rebuild(changed_paths)``
  after each change). An edit below the header of posts and pages renders again
  only the pages showing them (incremental.py, well under a second); anything
  else is a full build through ``publisher.build``, which builds aside and swaps
  into place, so a failed build leaves the previous site in place and served;
- ``server.PreviewServer`` serves the output folder, each HTML response with
  the live-reload script, which reloads the page after a new build and shows
  the errors of a failed one over it;
- ``watcher.Watcher`` yields the files changed under content/, the theme, the
  plugins and the settings file, a burst of saves at a time (editors' and
  tools' temporary files left out);
- ``live.LivePreview`` ties them together: each batch of changes goes to the
  rebuild callable; a successful rebuild is announced to the open pages, a
  failed one shows its errors on them until a build succeeds.
"""
