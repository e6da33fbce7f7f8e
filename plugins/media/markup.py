"""Just enough HTML handling to rewrite a few tags of a rendered post.

Only the tags being changed are rewritten; every other byte of the post is
kept as it was (entities, <br>, attribute quoting), which a parse and
re-serialise of the whole fragment would not guarantee.
"""

import html
import re

# A quoted ">" stays inside the tag.
ATTRS = r"""(?:[^<>"']|"[^"]*"|'[^']*')*"""

# Markup whose inside is not the post's own tags: comments and raw text.
# Patterns built with skipping() match these first and leave them alone.
_SKIP = (r"<!--.*?(?:-->|\Z)"
         r"|<(?P<raw>script|style|textarea|pre)\b" + ATTRS + r">.*?(?:</(?P=raw)\s*>|\Z)")

_ATTR = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def skipping(pattern):
    """Compile ``pattern`` so that comments, <pre>, <script>... are never matched inside.

    ``pattern`` matches from a "<" (a tag). Use with ``sub_outside``: the pattern's own
    groups must be named.
    """
    # The lookahead turns away every other position at its first step, before either branch is
    # tried: half the time of a post's transforms.
    return re.compile(f"(?=<)(?:(?P<skip>{_SKIP})|(?:{pattern}))", re.IGNORECASE | re.DOTALL)


def sub_outside(regex, replace, text):
    """``regex.sub(replace, text)``, leaving what the skip part matched untouched."""
    return regex.sub(lambda m: m.group() if m.group("skip") else replace(m), text)


class Tag:
    """A start tag: its name and attributes, in order; re-rendered only if changed."""

    def __init__(self, source):
        match = re.match(r"<\s*([A-Za-z][^\s/>]*)(" + ATTRS + r")>", source, re.DOTALL)
        self.name = match.group(1).lower()
        self.attrs = {}   # name -> value (unescaped), None for a bare attribute
        self._raw = {}    # name -> the attribute as written, while unchanged
        for attr in _ATTR.finditer(match.group(2)):
            name = attr.group(1).lower()
            if name in self.attrs:
                continue  # browsers keep the first of duplicated attributes
            value = next((v for v in attr.group(2, 3, 4) if v is not None), None)
            self.attrs[name] = None if value is None else html.unescape(value)
            self._raw[name] = attr.group()

    @classmethod
    def new(cls, name, **attrs):
        """A tag made from scratch: data_provider="x" is data-provider, class_ is class."""
        tag = cls(f"<{name}>")
        for key, value in attrs.items():
            tag[key.rstrip("_").replace("_", "-")] = value
        return tag

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    def __contains__(self, name):
        return name in self.attrs

    def __setitem__(self, name, value):
        self.attrs[name] = value
        self._raw.pop(name, None)

    def setdefault(self, name, value):
        if name not in self.attrs:
            self[name] = value

    def remove(self, name):
        self.attrs.pop(name, None)
        self._raw.pop(name, None)

    def add_class(self, name):
        classes = (self.get("class") or "").split()
        if name not in classes:
            self["class"] = " ".join(classes + [name])

    def __str__(self):
        parts = [self.name]
        for name, value in self.attrs.items():
            if name in self._raw:
                parts.append(self._raw[name])
            elif value is None:
                parts.append(name)
            else:
                parts.append(f'{name}="{escape(value)}"')
        return "<" + " ".join(parts) + ">"


def escape(text):
    """Escape text or a double-quoted attribute value (apostrophes stay readable)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
