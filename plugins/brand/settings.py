"""The ``BRAND`` setting: the look the theme shows (see docs/settings.md).

The schema and its checks live in sitekit/brand.py, where the newsletter plugin reads them too;
Pelican's own THEME setting names the theme's folder, so the brand has a name of its own.
"""

from sitekit.brand import BRAND, load  # noqa: F401  (BRAND: docs/settings.md finds the schema here)
