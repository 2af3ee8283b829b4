"""fedaid/imaging.py: pictures decoded and encoded again without their metadata, limits before decoding,
and Pillow loaded only by the processes that handle pictures."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from pictures import exif_of, fifty_megapixels, pdf, photo, png, png_bomb
from PIL import Image

from fedaid.imaging import PDF, UnsupportedMedia, process_image, read_header, sniff


def test_serving_and_the_cli_do_not_load_pillow() -> None:
    code = "import sys, fedaid.app, fedaid.cli; print('PIL' in sys.modules, 'blurhash' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == ["False", "False"]


def test_a_photo_loses_its_exif_and_gps_and_is_turned_upright() -> None:
    image = Image.new("RGB", (400, 200), (250, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; shown rotated 90°
    exif[0x8825] = {1: "N", 2: (45.0, 45.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    processed = process_image(out.getvalue())
    assert (processed.original.width, processed.original.height) == (200, 400)
    assert exif_of(processed.original.data) == {} and exif_of(processed.small.data) == {}


def test_large_pictures_are_shrunk_with_a_small_version_and_a_blurhash() -> None:
    processed = process_image(photo(3000, 2000))
    assert (processed.original.width, processed.original.height) == (1920, 1280)
    assert (processed.small.width, processed.small.height) == (800, 533)
    assert len(processed.blurhash) == 28


def test_transparent_pngs_stay_png() -> None:
    processed = process_image(png())
    assert processed.original.content_type == "image/png"
    with Image.open(io.BytesIO(processed.original.data)) as image:
        assert image.mode == "RGBA"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (fifty_megapixels, "8192 × 6144 pixels"),
        (png_bomb, "megapixels"),
        (lambda: b"GIF89a but not really", "not a picture"),
        (lambda: pdf()[:-10], "not a complete PDF"),
    ],
    ids=["50 megapixels", "PNG bomb", "fake GIF", "cut PDF"],
)
def test_refusals_happen_before_any_pixel_is_decoded(data, message) -> None:
    with pytest.raises(UnsupportedMedia, match=message):
        sniff(data())


def test_headers_and_documents_are_read_without_decoding() -> None:
    assert read_header(photo(640, 480)).content_type == "image/jpeg"
    assert sniff(pdf()) == PDF
