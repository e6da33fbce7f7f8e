"""The editor's commands behind tasks.py: building the site (and later sending the newsletter)."""
