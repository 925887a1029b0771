/*
 * task.c - a task's name read back ("1-7", "3-rest") and its classes told to
 * people.  See report.h.
 */
#include <stdio.h>
#include <string.h>

#include "parlogit/report.h"

int pl_task_parse(const char *s, pl_task *t, pl_error *e)
{
    if (pl_task_from_name(s, t) == 0)
        return PL_OK;
    return pl_errorf(e, PL_EINPUT, "'%s' is not a task: expected i-j (two different digits), "
                     "i-rest, ovr or softmax (optionally with its classes, e.g. softmax-012)", s);
}

void pl_task_names(pl_task t, char pos[16], char neg[16])
{
    snprintf(pos, 16, "%d", t.pos);
    if (t.neg == PL_REST)
        snprintf(neg, 16, "not-%d", t.pos);
    else
        snprintf(neg, 16, "%d", t.neg);
}

const char *pl_class_name(int c, char buf[16])
{
    if (c < 0)
        snprintf(buf, 16, "rest");
    else
        snprintf(buf, 16, "%d", c);
    return buf;
}

int pl_task_class(pl_task t, int label)
{
    if (label == t.pos)
        return 1;
    if (t.neg == PL_REST || label == t.neg)
        return 0;
    return -1;
}
