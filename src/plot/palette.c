/*
 * palette.c - the colours of every picture.  See palette.h.
 */
#include <plplot.h>

#include "plot/palette.h"

/* ColorBrewer RdBu (11 classes), from red (negative) to blue (positive). */
static const unsigned char rdbu[11][3] = {
    { 0x67, 0x00, 0x1f }, { 0xb2, 0x18, 0x2b }, { 0xd6, 0x60, 0x4d }, { 0xf4, 0xa5, 0x82 },
    { 0xfd, 0xdb, 0xc7 }, { 0xf7, 0xf7, 0xf7 }, { 0xd1, 0xe5, 0xf0 }, { 0x92, 0xc5, 0xde },
    { 0x43, 0x93, 0xc3 }, { 0x21, 0x66, 0xac }, { 0x05, 0x30, 0x61 },
};

/* Line colours (Tableau 10), readable on white. */
static const unsigned char lines[10][3] = {
    { 0x1f, 0x77, 0xb4 }, { 0xff, 0x7f, 0x0e }, { 0x2c, 0xa0, 0x2c }, { 0xd6, 0x27, 0x28 },
    { 0x94, 0x67, 0xbd }, { 0x8c, 0x56, 0x4b }, { 0xe3, 0x77, 0xc2 }, { 0x7f, 0x7f, 0x7f },
    { 0xbc, 0xbd, 0x22 }, { 0x17, 0xbe, 0xcf },
};

void pl_palette_cmap0(void)
{
    plscmap0n(16);
    plscolbg(255, 255, 255);
    plscol0(PL_COL_FG, 0, 0, 0);
    for (int k = 0; k < 10; k++)
        plscol0(2 + k, lines[k][0], lines[k][1], lines[k][2]);
    plscol0(PL_COL_GRAY, 200, 200, 200);
}

int pl_palette_line(int k)
{
    return 2 + (k % 10);
}

/* Loads control points first..last of rdbu as colour map 1, evenly spaced. */
static void load(int first, int last)
{
    PLFLT pos[11], r[11], g[11], b[11];
    int n = last - first + 1;
    for (int i = 0; i < n; i++) {
        pos[i] = (PLFLT)i / (n - 1);
        r[i] = rdbu[first + i][0] / 255.0;
        g[i] = rdbu[first + i][1] / 255.0;
        b[i] = rdbu[first + i][2] / 255.0;
    }
    plscmap1n(256);
    plscmap1l(1, n, pos, r, g, b, NULL);
}

void pl_palette_diverging(void)
{
    load(0, 10);
}

void pl_palette_sequential(void)
{
    load(5, 10);
}

void pl_palette_ink(void)
{
    PLFLT pos[2] = { 0, 1 }, v[2] = { 1, 0 };
    plscmap1n(256);
    plscmap1l(1, 2, pos, v, v, v, NULL);
}
