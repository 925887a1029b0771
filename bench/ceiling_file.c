/*
 * ceiling_file.c - the product benchmarks' view of $(BUILD)/bench/ceilings.txt:
 * its "ceiling name=N threads=T value=V ..." lines (see ceiling.h), looked up
 * by name and thread count.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ceiling.h"

#define MAXC 64

static struct {
    char name[48];
    int threads;
    double value;
} tab[MAXC];
static int ntab;

int ceil_file_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    while (fgets(line, sizeof line, f) && ntab < MAXC) {
        char name[48];
        int th;
        double v;
        if (sscanf(line, "ceiling name=%47s threads=%d value=%lf", name, &th, &v) == 3) {
            snprintf(tab[ntab].name, sizeof tab[ntab].name, "%s", name);
            tab[ntab].threads = th;
            tab[ntab++].value = v;
        }
    }
    fclose(f);
    return 0;
}

double ceil_file_value(const char *name, int threads)
{
    for (int i = 0; i < ntab; i++)
        if (!strcmp(tab[i].name, name) && tab[i].threads == threads)
            return tab[i].value;
    return NAN;
}
