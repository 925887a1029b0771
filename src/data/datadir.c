/*
 * datadir.c - pl_default_data_dir: one place per user for MNIST, so that a
 * config without data.dir works from any working directory, as scikit-learn's
 * ~/scikit_learn_data and Keras's ~/.keras/datasets do.  The XDG base
 * directory rule picks the cache: $XDG_CACHE_HOME when it is an absolute path,
 * else ~/.cache.  `make` targets set $PARLOGIT_DATA to the repository's data/.
 */
#include <stdio.h>
#include <stdlib.h>

#include "parlogit/data.h"

void pl_default_data_dir(char *buf, size_t len)
{
    const char *own = getenv("PARLOGIT_DATA"), *xdg = getenv("XDG_CACHE_HOME"),
               *home = getenv("HOME");
    if (own && *own)
        snprintf(buf, len, "%s/mnist", own);
    else if (xdg && xdg[0] == '/')
        snprintf(buf, len, "%s/parlogit/mnist", xdg);
    else if (home && home[0] == '/')
        snprintf(buf, len, "%s/.cache/parlogit/mnist", home);
    else
        snprintf(buf, len, "data/mnist");
}
