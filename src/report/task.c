/*
 * task.c - a task's name read back ("1-7", "3-rest") and its classes told to
 * people.  See report.h.
 */
#include <stdio.h>
#include <string.h>

#include "parlogit/report.h"

int pl_task_parse(const char *s, pl_task *t, pl_error *e)
{
    if (s[0] >= '0' && s[0] <= '9' && s[1] == '-') {
        if (!strcmp(s + 2, "rest")) {
            *t = (pl_task){ .pos = s[0] - '0', .neg = PL_REST };
            return PL_OK;
        }
        if (s[2] >= '0' && s[2] <= '9' && s[3] == '\0' && s[2] != s[0]) {
            *t = (pl_task){ .pos = s[2] - '0', .neg = s[0] - '0' };
            return PL_OK;
        }
    }
    return pl_errorf(e, PL_EINPUT, "'%s' is not a pair: expected i-j (two different digits) "
                     "or i-rest", s);
}

void pl_task_names(pl_task t, char pos[16], char neg[16])
{
    snprintf(pos, 16, "%d", t.pos);
    if (t.neg == PL_REST)
        snprintf(neg, 16, "not-%d", t.pos);
    else
        snprintf(neg, 16, "%d", t.neg);
}

int pl_task_class(pl_task t, int label)
{
    if (label == t.pos)
        return 1;
    if (t.neg == PL_REST || label == t.neg)
        return 0;
    return -1;
}
