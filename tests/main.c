/*
 * main.c - the one test runner.  Every tests/check_NAME.c exports
 * "Suite *suite_NAME(void)"; the Makefile lists them in suites.inc.
 * CK_RUN_SUITE / CK_RUN_CASE select, CK_FORK=no helps debugging (see Check).
 */
#include <check.h>
#include <stdlib.h>

#define SUITE(name) Suite *suite_##name(void);
#include "suites.inc"
#undef SUITE

int main(void)
{
    SRunner *sr = srunner_create(NULL);
#define SUITE(name) srunner_add_suite(sr, suite_##name());
#include "suites.inc"
#undef SUITE
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
