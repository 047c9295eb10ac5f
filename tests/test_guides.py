"""The guides (issue 9 item 7): reachable from both navbars, every step's screenshot exists in
static/guide/ (small JPEGs at most 1000 px wide), an unknown guide is a 404."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from views.guides import GUIDES

STATIC = Path(__file__).resolve().parents[1] / "static"
IMG = re.compile(r'<img src="/static/(guide/[^"]+)"')


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame segment."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    raise AssertionError("no start-of-frame in the JPEG")


@pytest.mark.parametrize("slug", sorted(GUIDES))
def test_every_image_a_guide_shows_exists_and_is_small(client, slug):
    response = client.get(f"/guides/{slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    images = IMG.findall(html)
    named = [f"guide/{s.image}" for s in GUIDES[slug].steps if s.image]
    assert images == named and len(images) >= 5
    for image in images:
        path = STATIC / image
        assert path.is_file(), f"{image} is missing: INFO_WRITE_GUIDE=1 pytest tests/browser/test_guides.py"
        data = path.read_bytes()
        width, _height = jpeg_size(data)
        assert width <= 1000 and len(data) < 250_000, (image, width, len(data))
        assert client.get(f"/static/{image}").status_code == 200
    # Every step is there, numbered, in Thai.
    assert html.count('<li class="mb-4" id="step-') == len(GUIDES[slug].steps)


def test_the_guides_follow_the_letters_steps(client):
    lao = client.get("/guides/lao").get_data(as_text=True)
    for text in ("เข้าสู่ระบบ", "เลือกเมนู ข้อมูล อปท. 8 ด้าน", "ปรับปรุงและบันทึกข้อมูลให้ครบ 8 ด้าน",
                 "รับรองข้อมูลระดับ อปท.", "ยกเลิกการรับรองข้อมูลระดับ อปท.",
                 "บันทึกเว็บไซต์ อปท. และผู้ดูแลระบบ INFO"):
        assert f'<h2 class="h5">{text}</h2>' in lao, text
    province = client.get("/guides/province").get_data(as_text=True)
    assert '<h2 class="h5">รับรองข้อมูลระดับจังหวัด</h2>' in province


def test_the_guides_are_in_both_navbars_and_an_unknown_one_is_a_404(client, demo, login_as):
    index = client.get("/guides/").get_data(as_text=True)
    assert "คู่มือการใช้งาน สำหรับ อปท." in index and "คู่มือการใช้งาน สำหรับ สถจ." in index
    assert 'href="/guides/"' in client.get("/").get_data(as_text=True)
    assert client.get("/guides/nope").status_code == 404
    login_as("prov-61")
    assert re.search(r'<a class="nav-link " href="/guides/">\s*คู่มือ</a>',
                     client.get("/admin/").get_data(as_text=True))
