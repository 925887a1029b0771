/*
 * device.c - is PLplot's output device there?  See pl_plot_check_device in
 * plot.h.
 *
 * PLplot finds its devices at plinit time by scanning *.driver_info files in
 * its driver directory ($PLPLOT_DRV_DIR, else the directory it was built
 * with).  A requested device it does not know makes it prompt for another on
 * stdin; no drivers at all, or a driver module that will not load, make it
 * call exit().  A library must do neither, so we look first: the device must
 * be listed in a driver_info file, and the module that file names must be
 * present beside it.  Only then is PLplot asked (plgDevs) to confirm.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <plplot.h>

#include "parlogit/plot.h"

#ifndef PL_PLPLOT_DRVDIR
#define PL_PLPLOT_DRVDIR ""
#endif

static const char *driver_dir(void)
{
    const char *d = getenv("PLPLOT_DRV_DIR");
    return d && *d ? d : PL_PLPLOT_DRVDIR;
}

/* Whether dir/NAME.driver_info lists dev and dir/MODULE.so exists. */
static int listed(const char *dir, const char *info, const char *dev)
{
    char path[PL_PATH_MAX * 2], line[512];
    snprintf(path, sizeof path, "%s/%s", dir, info);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int found = 0;
    size_t n = strlen(dev);
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, dev, n) != 0 || line[n] != ':')
            continue;
        /* fields: device:description:interactive:module:number:name */
        char *p = line;
        for (int k = 0; k < 3 && p; k++)
            p = strchr(p + 1, ':');
        if (!p)
            continue;
        char module[128];
        size_t len = strcspn(p + 1, ":\n");
        if (len == 0 || len >= sizeof module)
            continue;
        memcpy(module, p + 1, len);
        module[len] = '\0';
        snprintf(path, sizeof path, "%s/%s.so", dir, module);
        found = access(path, R_OK) == 0;
    }
    fclose(f);
    return found;
}

static int scan(const char *dir, const char *dev)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    int found = 0;
    while (!found && (de = readdir(d))) {
        size_t n = strlen(de->d_name), k = strlen(".driver_info");
        if (n > k && !strcmp(de->d_name + n - k, ".driver_info"))
            found = listed(dir, de->d_name, dev);
    }
    closedir(d);
    return found;
}

/* Asks PLplot itself, now that at least one driver is known to be there. */
static int plplot_knows(const char *dev)
{
    enum { MAXDEV = 128 };
    const char *menu[MAXDEV], *names[MAXDEV];
    const char **pm = menu, **pn = names;
    int ndev = MAXDEV;
    plgDevs(&pm, &pn, &ndev);
    for (int i = 0; i < ndev; i++)
        if (names[i] && !strcmp(names[i], dev))
            return 1;
    return 0;
}

int pl_plot_check_device(const char *dev, pl_error *e)
{
    const char *dir = driver_dir();
    if (!dev || !*dev)
        return pl_errorf(e, PL_EINPUT, "no PLplot device named");
    if (!*dir || !scan(dir, dev) || !plplot_knows(dev))
        return pl_errorf(e, PL_EIO,
                         "cannot draw pictures: PLplot has no '%s' output device in its "
                         "driver directory '%s'%s (on Debian: apt-get install "
                         "plplot-driver-cairo, or run scripts/deps.sh)",
                         dev, *dir ? dir : "(unknown)",
                         getenv("PLPLOT_DRV_DIR") ? ", from $PLPLOT_DRV_DIR" : "");
    return PL_OK;
}
