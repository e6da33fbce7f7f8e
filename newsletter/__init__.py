"""The newsletter engine: MJML rendering of each issue and its delivery (not built yet)."""
