"""Checking, decoding and re-encoding pictures and documents, for uploads and for remote media we cache.

Pure and synchronous (callers run it in a thread): bytes in, bytes out, no database or network. Pillow
is imported on first use, so a process that never handles a picture never loads it. Every picture is
decoded and encoded again, which drops EXIF (location included) and anything hidden after the pixels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from fedaid.errors import InvalidInput

# Mastodon's image_matrix_limit (7680 × 4320): larger pictures are refused before their pixels are decoded.
MAX_PIXELS = 33_177_600
DISPLAY_SIZE = 1920  # longer side of the picture we keep and serve
SMALL_SIZE = 800  # longer side of the `small` version: a 390-px phone screen at twice its density
BLURHASH_COMPONENTS = (4, 3)
JPEG_QUALITY = 85
PDF = "application/pdf"
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
SUPPORTED_TYPES = (*IMAGE_TYPES.values(), PDF)


class UnsupportedMedia(InvalidInput):
    """The file is not a picture or a document we take, or is too large to decode (422, as Mastodon)."""

    status = 422


@dataclass(frozen=True)
class Header:
    """What a picture's first bytes say, read without decoding its pixels."""

    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class Rendition:
    """A picture as we store and serve it."""

    data: bytes
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    original: Rendition
    small: Rendition
    blurhash: str


@cache
def _pillow() -> ModuleType:
    """Pillow's Image module, loaded once, with its own bomb check at our limit (it refuses twice that)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    return Image


def sniff(data: bytes) -> str:
    """The type a file really has, from its content: a supported picture type or PDF; UnsupportedMedia otherwise."""
    if data.startswith(b"%PDF-"):
        check_pdf(data)
        return PDF
    return read_header(data).content_type


def read_header(data: bytes) -> Header:
    """The picture's type and size from its header; refuses other files and pictures over MAX_PIXELS."""
    image_module = _pillow()
    try:
        with image_module.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
    except image_module.DecompressionBombError as err:  # Pillow's own check, at twice our limit
        raise UnsupportedMedia(f"The picture has far more than {MAX_PIXELS // 1_000_000} megapixels.") from err
    except (image_module.UnidentifiedImageError, OSError, ValueError) as err:
        raise UnsupportedMedia("The file is not a picture (JPEG, PNG, GIF or WebP) or a PDF document.") from err
    if kind not in IMAGE_TYPES:
        raise UnsupportedMedia(f"{kind} pictures are not taken: send JPEG, PNG, GIF or WebP.")
    if width * height > MAX_PIXELS:
        raise UnsupportedMedia(
            f"The picture is {width} × {height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels are taken."
        )
    return Header(IMAGE_TYPES[kind], width, height)


def check_pdf(data: bytes) -> None:
    """A PDF must start with its signature and end with its end-of-file marker (a whole file, not a fragment)."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise UnsupportedMedia("The file is not a complete PDF document.")


def process_image(data: bytes) -> ProcessedImage:
    """Decode, turn upright, shrink to DISPLAY_SIZE, encode again without metadata; plus `small` and blurhash."""
    header = read_header(data)
    image_module = _pillow()
    from PIL import ImageOps

    try:
        with image_module.open(io.BytesIO(data)) as opened:
            # A JPEG far larger than we keep is decoded at a half, a quarter or an eighth of its size.
            opened.draft("RGB", (DISPLAY_SIZE, DISPLAY_SIZE))
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except (image_module.DecompressionBombError, OSError, ValueError, SyntaxError) as err:
        raise UnsupportedMedia("The picture cannot be decoded: it is damaged or incomplete.") from err
    picture = _plain_pixels(upright)
    picture.thumbnail((DISPLAY_SIZE, DISPLAY_SIZE), image_module.Resampling.LANCZOS)
    original = _encode(picture, keep_png=header.content_type == "image/png")
    small_image = picture.copy()
    small_image.thumbnail((SMALL_SIZE, SMALL_SIZE), image_module.Resampling.LANCZOS)
    small = _encode(small_image, keep_png=header.content_type == "image/png")
    return ProcessedImage(original=original, small=small, blurhash=_blurhash(small_image, image_module))


def _plain_pixels(image: Any) -> Any:
    """The pixels alone, RGBA when transparent, else RGB; no EXIF, ICC profile or text chunk is kept (the
    encoders write only what `info` and their arguments hold, and `info` is emptied)."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha else "RGB"
    plain = image.convert(mode) if image.mode != mode else image
    plain.info = {}
    return plain


def _encode(image: Any, *, keep_png: bool) -> Rendition:
    """JPEG for photos; PNG for transparent pictures and for PNGs (drawings, screenshots keep sharp edges)."""
    out = io.BytesIO()
    if image.mode == "RGBA" or keep_png:
        image.save(out, format="PNG", optimize=False)
        content_type = "image/png"
    else:
        image.save(out, format="JPEG", quality=JPEG_QUALITY)
        content_type = "image/jpeg"
    return Rendition(out.getvalue(), content_type, image.width, image.height)


def _blurhash(image: Any, image_module: ModuleType) -> str:
    import blurhash

    tiny = image.convert("RGB")
    tiny.thumbnail((64, 64), image_module.Resampling.BILINEAR)
    return blurhash.encode(tiny, *BLURHASH_COMPONENTS)
