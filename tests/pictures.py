"""Pictures and documents for media tests, made with Pillow: ordinary photos with EXIF and GPS, a picture
over the pixel limit, a PNG decompression bomb, a PDF, and a look at what a media folder holds."""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache
from pathlib import Path

import aiohttp
from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F


def photo(width: int = 800, height: int = 600, *, color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """A JPEG with EXIF: a camera make and a GPS position (what uploads must lose)."""
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, 40):  # some detail, so the encoder has work to do
        image.paste((x % 255, 80, 200), (x, 0, x + 20, height))
    exif = Image.Exif()
    exif[MAKE] = "TestCam"
    exif[GPS_IFD] = {1: "N", 2: (45.0, 45.0, 0.0), 3: "E", 4: (4.0, 50.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def png(width: int = 300, height: int = 200) -> bytes:
    image = Image.new("RGBA", (width, height), (10, 200, 90, 128))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@cache
def fifty_megapixels() -> bytes:
    """A real 8192 × 6144 greyscale JPEG (50.3 megapixels)."""
    out = io.BytesIO()
    Image.new("L", (8192, 6144), 128).save(out, format="JPEG", quality=50)
    return out.getvalue()


@cache
def png_bomb(side: int = 30_000) -> bytes:
    """A PNG of side × side one-bit pixels, all zero: about 100 KB that decode to ~900 megapixels."""
    row = b"\x00" * (1 + side // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def pdf() -> bytes:
    """A small, complete one-page PDF."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def stored_files(data_dir: Path) -> list[str]:
    """The media files under an instance's data folder (temporary files included)."""
    root = Path(data_dir) / "media"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif())


def upload_form(
    data: bytes, *, filename: str = "photo.jpg", content_type: str = "image/jpeg", **fields: str
) -> aiohttp.FormData:
    """The multipart form of an upload to /api/v1/media or /api/v2/media: the file, then `fields`."""
    form = aiohttp.FormData()
    form.add_field("file", data, filename=filename, content_type=content_type)
    for name, value in fields.items():
        form.add_field(name, value)
    return form
