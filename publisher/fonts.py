"""The theme's fonts, made once: Fontsource's latin WOFF2 files from npm, merged with their
latin-ext files (Fontsource's latin subset lacks the Ÿ of French capitals, L'HAŸ-LES-ROSES), cut
down to what French and English text needs, written to theme/static/fonts/ with the OFL licence (the files are
committed; a build never runs this).

    .venv/bin/invoke fonts          # or: .venv/bin/python -m publisher.fonts

Needs npm (``npm pack`` fetches the packages, nothing is installed) and fonttools with brotli
(``pip install fonttools brotli``). Each face keeps kerning, ligatures, case and figure features
and drops hinting. The narrow no-break space (U+202F) French puts before ; : ! ? is drawn with the
thin space's glyph when the face has none, so French spacing stays in the brand's face.
"""

import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "theme" / "static" / "fonts"

# (npm package, its version, [(Fontsource file in files/, name written)])
PACKAGES = [
    ("@fontsource/source-serif-4", "5.3.1", [
        ("source-serif-4-latin-400-normal.woff2", "source-serif-4-400.woff2"),
        ("source-serif-4-latin-400-italic.woff2", "source-serif-4-400-italic.woff2"),
        ("source-serif-4-latin-700-normal.woff2", "source-serif-4-700.woff2"),
    ]),
    ("@fontsource/source-sans-3", "5.3.1", [
        ("source-sans-3-latin-400-normal.woff2", "source-sans-3-400.woff2"),
        ("source-sans-3-latin-600-normal.woff2", "source-sans-3-600.woff2"),
    ]),
]

# ASCII, Latin-1, Œ œ Ÿ, quotes ‘ ’ ‚ “ ” „ ‹ ›, dashes, bullet, ellipsis, € ™, the spaces.
UNICODES = sorted(
    set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    | {0x152, 0x153, 0x178, 0x2018, 0x2019, 0x201A, 0x201C, 0x201D, 0x201E, 0x2039, 0x203A,
       0x2013, 0x2014, 0x2022, 0x2026, 0x20AC, 0x2122, 0x2009, 0x202F, 0x2212}
)
FEATURES = ["kern", "liga", "clig", "calt", "case", "lnum", "onum", "pnum", "tnum", "frac", "ccmp",
            "locl", "mark", "mkmk"]
NARROW_NBSP, THIN_SPACE, NBSP = 0x202F, 0x2009, 0x00A0


def fetch(package, version, folder):
    """The package's tarball, fetched by npm pack into ``folder``."""
    name = subprocess.run(["npm", "pack", f"{package}@{version}", "--silent"], cwd=folder, check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return tarfile.open(Path(folder) / name)


def merged(*woff2_files):
    """One font of several subset files of one face (their glyphs and features together)."""
    from fontTools import merge
    from fontTools.ttLib import TTFont

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, data in enumerate(woff2_files):
            font = TTFont(io.BytesIO(data))
            font.flavor = None  # the merger reads plain TrueType/OpenType files
            paths.append(Path(folder) / f"{number}.otf")
            font.save(paths[-1])
        return merge.Merger().merge([str(path) for path in paths])


def subset(*woff2_files):
    """WOFF2 bytes of the face made of ``woff2_files`` with only UNICODES, U+202F mapped to the thin space."""
    from fontTools import subset as fonttools_subset

    font = merged(*woff2_files)
    cmap = font.getBestCmap()
    if NARROW_NBSP not in cmap:
        glyph = cmap.get(THIN_SPACE) or cmap.get(NBSP)
        for table in font["cmap"].tables:
            if table.isUnicode():
                table.cmap[NARROW_NBSP] = glyph
    options = fonttools_subset.Options()
    options.flavor = "woff2"
    options.layout_features = FEATURES
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]   # keep the copyright, licence and its URL
    subsetter = fonttools_subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def main():
    TARGET.mkdir(parents=True, exist_ok=True)
    licences = []
    with tempfile.TemporaryDirectory() as folder:
        for package, version, files in PACKAGES:
            with fetch(package, version, folder) as archive:
                for source, name in files:
                    extended = source.replace("-latin-", "-latin-ext-")
                    data = subset(*(archive.extractfile(f"package/files/{name}").read() for name in (source, extended)))
                    (TARGET / name).write_bytes(data)
                    print(f"{name}: {len(data) / 1024:.1f} KiB")
                licence = archive.extractfile("package/LICENSE").read().decode("utf-8")
                licences.append(f"{package} {version} (https://fontsource.org), files {', '.join(n for _, n in files)}:\n\n{licence.strip()}\n")
    (TARGET / "OFL.txt").write_text("\n\n".join(licences), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
