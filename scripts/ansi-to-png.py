#!/usr/bin/env python3
"""Render a terminal capture with colours (`tmux capture-pane -e -p`) to a PNG.

Used to make the README's screenshot from a real session:

    tmux capture-pane -e -p -t SESSION > capture.ansi
    python3 scripts/ansi-to-png.py capture.ansi assets/screenshot.png

Needs Pillow (`pip install pillow`) and the DejaVu Sans Mono font (Debian: fonts-dejavu-core).
Understands the SGR codes tmux emits: reset, bold, reverse, 16/256/true colours.
"""

import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE = 16
DEFAULT_FG = (220, 220, 220)
DEFAULT_BG = (24, 24, 27)
BASE16 = [
    (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16),
    (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def color256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    grey = 8 + (n - 232) * 10
    return (grey, grey, grey)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg, self.bg, self.bold, self.reverse = None, None, False, False

    def apply(self, params):
        codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 22:
                self.bold = False
            elif c == 7:
                self.reverse = True
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = BASE16[c - 30]
            elif 90 <= c <= 97:
                self.fg = BASE16[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = BASE16[c - 40]
            elif 100 <= c <= 107:
                self.bg = BASE16[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    value, i = color256(codes[i + 2]), i + 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    value, i = tuple(codes[i + 2:i + 5]), i + 4
                else:
                    value = None
                if c == 38:
                    self.fg = value
                else:
                    self.bg = value
            i += 1

    def colours(self):
        fg, bg = self.fg or DEFAULT_FG, self.bg or DEFAULT_BG
        return (bg, fg) if self.reverse else (fg, bg)


def cells(text):
    """Yields one list of (char, fg, bg, bold) per line."""
    style = Style()
    for line in text.split("\n"):
        row, pos = [], 0
        for match in SGR.finditer(line):
            for ch in line[pos:match.start()]:
                fg, bg = style.colours()
                row.append((ch, fg, bg, style.bold))
            style.apply(match.group(1))
            pos = match.end()
        for ch in line[pos:]:
            fg, bg = style.colours()
            row.append((ch, fg, bg, style.bold))
        yield row


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        rows = list(cells(f.read().rstrip("\n")))
    font = ImageFont.truetype(FONT, SIZE)
    bold = ImageFont.truetype(FONT_BOLD, SIZE)
    left, top, right, bottom = font.getbbox("M")
    width = round(font.getlength("M"))
    height = round(SIZE * 1.3)
    columns = max(len(r) for r in rows)
    image = Image.new("RGB", (columns * width + 24, len(rows) * height + 24), DEFAULT_BG)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(rows):
        for x, (ch, fg, bg, is_bold) in enumerate(row):
            px, py = 12 + x * width, 12 + y * height
            if bg != DEFAULT_BG:
                draw.rectangle([px, py, px + width, py + height], fill=bg)
            if ch != " ":
                draw.text((px, py + (height - SIZE) // 2), ch, fill=fg, font=bold if is_bold else font)
    image.save(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
