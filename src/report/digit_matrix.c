/*
 * digit_matrix.c - reading a 10 x 10 digit table (pair_accuracy.csv,
 * ovo_confusion.csv).  See pl_read_digit_matrix in report.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parlogit/report.h"
#include "report/csvline.h"

int pl_read_digit_matrix(const char *path, const char *corner, double m[10][10],
                         pl_error *e)
{
    pl_csvline c;
    int rc = pl_csvline_open(&c, path, e);
    if (rc)
        return rc;
    int r = pl_csvline_next(&c, e);
    if (r < 0)
        rc = e->code;
    else if (r == 0)
        rc = pl_errorf(e, PL_EINPUT, "%s: empty file", path);
    else {
        int ok = c.nfields == 11 && !strcmp(c.field[0], corner);
        for (int j = 0; ok && j < 10; j++)
            ok = c.field[j + 1][0] == '0' + j && c.field[j + 1][1] == '\0';
        if (!ok)
            rc = pl_errorf(e, PL_EINPUT, "%s:1: expected the header '%s,0,1,2,3,4,5,6,7,8,9'",
                           path, corner);
    }
    for (int i = 0; !rc && i < 10; i++) {
        r = pl_csvline_next(&c, e);
        if (r < 0) {
            rc = e->code;
            break;
        }
        if (r == 0) {
            rc = pl_errorf(e, PL_EINPUT, "%s: %d rows, expected 10 (digits 0..9)", path, i);
            break;
        }
        if (c.nfields != 11)
            rc = pl_errorf(e, PL_EINPUT, "%s:%d: %d fields, expected 11", path, c.line,
                           c.nfields);
        else if (c.field[0][0] != '0' + i || c.field[0][1])
            rc = pl_errorf(e, PL_EINPUT, "%s:%d: row '%s', expected digit %d", path, c.line,
                           c.field[0], i);
        for (int j = 0; !rc && j < 10; j++) {
            char name[16];
            snprintf(name, sizeof name, "%d", j);
            rc = pl_csvline_num(&c, j + 1, name, 1, &m[i][j], e);
        }
    }
    if (!rc && (r = pl_csvline_next(&c, e)) != 0)
        rc = r < 0 ? e->code : pl_errorf(e, PL_EINPUT, "%s:%d: unexpected line after digit 9",
                                         path, c.line);
    pl_csvline_close(&c);
    return rc;
}
