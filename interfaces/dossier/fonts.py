"""The CJK TrueType font the dossier PDF embeds (Chinese needs one; the PDF base fonts have none)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "FENGQIAO_CJK_FONT"
# TrueType-outline fonts only: reportlab cannot embed CFF-based OpenType (e.g. Noto Sans CJK .ttc).
KNOWN_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian/Ubuntu: fonts-wqy-zenhei
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",  # Fedora, Arch
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback
)
INSTALL_HINT = (
    "no Chinese (CJK) TrueType font found for the dossier PDF: install the Debian package "
    "fonts-wqy-zenhei (`apt-get install fonts-wqy-zenhei`, done by `make install`), "
    f"or set {ENV_VAR} to a .ttf/.ttc file with Chinese glyphs"
)

FONT = "FengqiaoCJK"
FONT_MONO = "FengqiaoCJKMono"


class FontMissing(RuntimeError):
    """No usable CJK font; the message says how to get one."""


@dataclass(frozen=True)
class FontChoice:
    path: Path
    mono_index: int | None  # the .ttc face of a monospaced variant, when the collection has one


def find_cjk_font() -> FontChoice:
    """The font to embed: $FENGQIAO_CJK_FONT if set (it must exist), else the first known path."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontMissing(f"{ENV_VAR}={configured}: no such file")
        if path.suffix.lower() not in (".ttf", ".ttc"):
            raise FontMissing(f"{ENV_VAR}={configured}: expected a TrueType .ttf or .ttc file")
        return FontChoice(path, None)
    for candidate in KNOWN_FONTS:
        path = Path(candidate)
        if path.is_file():
            return FontChoice(path, 1 if path.name == "wqy-zenhei.ttc" else None)
    raise FontMissing(INSTALL_HINT)


_registered: tuple[str, str] | None = None


def register_fonts() -> tuple[str, str]:
    """Register the CJK font (and a monospaced face for hashes) with reportlab, once.

    Returns the names of the body font and the monospaced font."""
    global _registered  # noqa: PLW0603 - reportlab's font registry is process-wide anyway
    if _registered is not None:
        return _registered
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    choice = find_cjk_font()
    try:
        pdfmetrics.registerFont(TTFont(FONT, str(choice.path), subfontIndex=0))
    except (TTFError, OSError, ValueError) as e:
        raise FontMissing(f"{choice.path}: reportlab cannot embed this font ({e}); {INSTALL_HINT}") from e
    mono = FONT
    if choice.mono_index is not None:
        try:
            pdfmetrics.registerFont(TTFont(FONT_MONO, str(choice.path), subfontIndex=choice.mono_index))
            mono = FONT_MONO
        except (TTFError, OSError, ValueError):
            mono = FONT
    _registered = (FONT, mono)
    return _registered
