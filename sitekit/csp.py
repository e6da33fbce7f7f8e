"""A Content-Security-Policy as the setting holds it ({directive: [sources]}) or as a page carries it (text).

The comments and newsletter plugins add their services' origins to the site's
policy, `invoke serve` lets its live-reload script run under a page's: all
through ``add_sources``, so the rules below are written once.
"""


def add_sources(policy, sources):
    """``policy`` also allowing ``sources`` ({directive: [sources]}): a new dict, as settings are shared.

    A fetch directive (``*-src``) the policy lacks starts from default-src, as
    browsers read it, else from 'self'; so does any other (form-action does not
    fall back). A directive that allows something new no longer says 'none',
    which browsers ignore beside a source anyway. An empty policy stays empty:
    it restricts nothing.
    """
    if not policy:
        return policy
    merged = {directive: list(values) for directive, values in policy.items()}
    for directive, values in sources.items():
        fallback = merged.get("default-src", ["'self'"]) if directive.endswith("-src") else ["'self'"]
        allowed = merged.setdefault(directive, list(fallback))
        added = [value for value in dict.fromkeys(values) if value not in allowed]
        if added:
            allowed[:] = [value for value in allowed if value != "'none'"] + added
    return merged


def parse(text):
    """The directives of a policy's text; a repeated directive counts once, as its first (browsers ignore the rest)."""
    directives = {}
    for part in text.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    return directives


def serialize(directives):
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())
