/*
 * palette.h - private: the colours of every picture.  One diverging palette
 * (ColorBrewer RdBu: red - white - blue) for signed values on a scale
 * symmetric around 0, its white-to-blue half for values without a sign, gray
 * ink for raw digits, and a fixed set of line colours.
 */
#ifndef PARLOGIT_PLOT_PALETTE_H
#define PARLOGIT_PLOT_PALETTE_H

/* Colour map 0 (before plinit): 0 white background, 1 black, 2..11 line
 * colours, 12 light gray. */
void pl_palette_cmap0(void);

/* Colour map 1 := RdBu, 0 -> dark red, 0.5 -> white, 1 -> dark blue. */
void pl_palette_diverging(void);

/* Colour map 1 := the blue half of RdBu, 0 -> white, 1 -> dark blue. */
void pl_palette_sequential(void);

/* Colour map 1 := gray ink, 0 -> white paper, 1 -> black. */
void pl_palette_ink(void);

/* The colour map 0 index of the k-th line colour (k >= 0, cycles). */
int pl_palette_line(int k);

#define PL_COL_BG 0
#define PL_COL_FG 1
#define PL_COL_GRAY 12

#endif
