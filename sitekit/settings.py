"""Setting dicts declared once: each key's default, its one-line doc, its check and its error.

    SEARCH = Schema("SEARCH", {
        "enabled": Flag(True, "False skips the index."),
        "timeout": Number(120, "Seconds Pagefind may take.", "{key} must be a number of seconds above 0, e.g. 120"),
    }, example={"timeout": 120})
    config = SEARCH.load(pelican_settings)

A value that cannot be used raises SettingsError. Its message is the option's
template, where ``{key}`` is the key's full name (``SEARCH['timeout']``) and
``{value!r}`` the value given, so it can say the key, what was given and what
to write. docs/settings.md is written from the schemas (publisher/settings_reference.py).
"""

import copy
import logging
import os
from numbers import Real

logger = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A setting cannot be used; the message names the key (``key``, when known) and says what to write."""

    def __init__(self, message, key=None):
        super().__init__(message)
        self.key = key


class Invalid(Exception):
    """Raised by a check: the value cannot be used. Without a template, the option's own error is shown."""

    def __init__(self, template=None, **fields):
        super().__init__(template)
        self.template, self.fields = template, fields


def require(condition):
    if not condition:
        raise Invalid()


def cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class Option:
    """One key: its default, what it is for, and how a given value is checked and converted."""

    kind = "any"
    error = "{key} cannot be {value!r}"

    def __init__(self, default, doc, error=None, test=None, check=None, kind=None):
        """``test(value)``: whether the value can be used; ``check(value, settings)``: the value to keep."""
        self.default, self.doc, self.test, self.check = default, doc, test, check
        self.error, self.kind = error or self.error, kind or self.kind

    def load(self, value, key, settings):
        try:
            require(self.test is None or self.test(value))
            converted = self.convert(value)
            return self.check(converted, settings) if self.check else converted
        except Invalid as invalid:
            template = invalid.template or self.error
            raise SettingsError(template.format(key=key, value=value, **invalid.fields), key) from None

    def convert(self, value):
        return value


class Flag(Option):
    kind, error = "True or False", "{key} must be True or False"

    def convert(self, value):
        require(isinstance(value, bool))
        return value


class Choice(Option):
    def __init__(self, default, doc, choices):
        listed = ", ".join(repr(choice) for choice in choices)
        super().__init__(default, doc, f"{{key}} must be one of {listed}, not {{value!r}}", kind=f"one of {listed}")
        self.choices = choices

    def convert(self, value):
        require(value in self.choices)
        return value


class Text(Option):
    kind = "text"

    def convert(self, value):
        require(isinstance(value, str) and value.strip())
        return value


class Number(Option):
    kind = "number above 0"

    def convert(self, value):
        require(isinstance(value, Real) and not isinstance(value, bool) and value > 0)
        return value


class Whole(Option):
    """A whole number in [least, most]; with ``when_none``, None stands for what it returns."""

    def __init__(self, default, doc, error, least=1, most=None, when_none=None):
        bounds = f"from {least}" + (f" to {most}" if most is not None else "")
        super().__init__(default, doc, error, kind=f"whole number {bounds}" + (", or None" if when_none else ""))
        self.least, self.most, self.when_none = least, most, when_none

    def convert(self, value):
        if value is None and self.when_none:
            return self.when_none()
        require(isinstance(value, int) and not isinstance(value, bool) and value >= self.least
                and (self.most is None or value <= self.most))
        return value


class Items(Option):
    """A list (or tuple) whose every item passes ``each``; kept as ``finish`` makes it."""

    kind = "list"

    def __init__(self, default, doc, error, each, finish=list):
        super().__init__(default, doc, error)
        self.each, self.finish = each, finish

    def convert(self, value):
        require(isinstance(value, (list, tuple)) and all(self.each(item) for item in value))
        return self.finish(value)


class CachePath(Option):
    """A path in Pelican's cache by default: None is CACHE_PATH/<name>, False is no file at all."""

    kind = "path, None or False"

    def __init__(self, name, doc, error):
        super().__init__(None, doc, error)
        self.name = name

    def load(self, value, key, settings):
        if value is None:
            return os.path.abspath(os.path.join(settings.get("CACHE_PATH") or "cache", self.name))
        return super().load(value, key, settings)

    def convert(self, value):
        if value is False:
            return None
        require(isinstance(value, (str, os.PathLike)) and str(value).strip())
        return os.path.abspath(value)


class Section(Option):
    """A dict of its own inside the setting, checked by its schema (e.g. DEPLOY['git']); with
    ``merge_only``, merged over its defaults here and checked by the setting's ``finish`` when it is used."""

    kind = "dict"

    def __init__(self, schema, doc, merge_only=False):
        super().__init__(schema.defaults, doc)
        self.schema, self.merge_only = schema, merge_only

    def load(self, value, key, settings):
        return self.schema.merge(value) if self.merge_only else self.schema.check(value, settings)


class Schema:
    """A setting dict: its options, an example of the whole, and checks across keys (``finish``)."""

    def __init__(self, name, options, example, finish=None, falsy_is_empty=False,
                 refusal="{name} must be a dict, e.g. {name} = {example!r}"):
        self.name, self.options, self.example, self.finish = name, options, example, finish
        self.falsy_is_empty, self.refusal = falsy_is_empty, refusal

    @property
    def defaults(self):
        return {key: copy.deepcopy(option.default) for key, option in self.options.items()}

    def load(self, settings):
        """``settings[name]`` merged over the defaults, every value checked."""
        return self.check(settings.get(self.name, {}), settings)

    def merge(self, given):
        """``given`` over the defaults, unchecked; an unknown key is left out with a warning."""
        if self.falsy_is_empty and not given:
            given = {}
        if not isinstance(given, dict):
            raise SettingsError(self.refusal.format(name=self.name, example=self.example), self.name)
        for key in sorted(set(given) - set(self.options), key=str):
            logger.warning("%s: unknown key %r ignored (known keys: %s)", self.name, key, ", ".join(self.options))
        return {key: copy.deepcopy(given[key] if key in given else option.default)
                for key, option in self.options.items()}

    def check(self, given, settings):
        """``given`` over the defaults, every value checked and converted."""
        merged = self.merge(given)
        config = {key: option.load(merged[key], f"{self.name}[{key!r}]", settings)
                  for key, option in self.options.items()}
        return self.finish(config, settings) if self.finish else config
