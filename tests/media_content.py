"""A content folder with a few images and files, for the media plugin's tests."""

from PIL import Image


def make_content(root):
    """A content folder with a few images and files."""
    for relative, size in {"images/photo.jpg": (1000, 500), "images/small.png": (300, 200),
                           "posts/fr/schema.png": (900, 600)}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size, (200, 120, 40)).save(path)
    (root / "files").mkdir()
    (root / "files" / "guide.pdf").write_bytes(b"x" * 3000)
    with open(root / "files" / "big.zip", "wb") as big:
        big.truncate(2_400_000)  # sparse: instant
    return root
