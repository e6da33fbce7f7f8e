"""`invoke screenshots` writes a PNG per page, language and width."""

import subprocess
import sys

import pytest
from PIL import Image

from conftest import ROOT

pytestmark = pytest.mark.browser


def test_the_screenshots_task_writes_its_png_files(tmp_path):
    result = subprocess.run([sys.executable, "-m", "publisher.screenshots", "--destination", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in tmp_path.glob("*.png"))
    expected = sorted(f"{lang}-{page}-{width}.png" for lang in ("fr", "en")
                      for page in ("home", "post", "guest-post", "series-post", "tag", "code-post", "page", "newsletter-issue")
                      for width in (375, 1280))
    assert names == expected
    for name in names:
        with Image.open(tmp_path / name) as image:
            assert image.width == int(name.rsplit("-", 1)[1].removesuffix(".png"))
            assert image.height > 400
