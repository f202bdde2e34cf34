/* The thread count: DIFFKERN_NUM_THREADS read at first use (a count in
 * 0..1024; anything else is reported and means one per CPU, as 0 does),
 * dk_set_num_threads over it, and its bad values refused with the count
 * unchanged. A build without the pool reports 1 whatever was asked. No
 * call here splits, so it also runs under qemu-user.
 * usage: DIFFKERN_NUM_THREADS=<value> test_num_threads <expected: a count or "cpus"> */
#define _GNU_SOURCE /* sched_getaffinity */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diffkern.h"
#include "dk_config.h"
#include "harness.h"

/* What dk_num_threads reports when asked for n. */
static int reported(int n) { return DK_HAVE_POOL ? n : 1; }

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "run as DIFFKERN_NUM_THREADS=<value> %s <count or cpus>\n", argv[0]);
        return 2;
    }
    /* the CPUs this process may run on, counted here independently */
    cpu_set_t set;
    int cpus = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (int i = 0; i < CPU_SETSIZE; i++)
            cpus += CPU_ISSET(i, &set) != 0;
    const int expect = reported(strcmp(argv[1], "cpus") == 0 ? cpus : atoi(argv[1]));
    const char *env = getenv("DIFFKERN_NUM_THREADS");
    dk_check(dk_num_threads() == expect, "DIFFKERN_NUM_THREADS=%s: %d threads, expected %d",
             env ? env : "(unset)", dk_num_threads(), expect);

    static const int refused[] = {-1, 1025, -2147483647 - 1};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        dk_check(dk_set_num_threads(refused[i]) == DK_ERR_THREADS, "dk_set_num_threads(%d) accepted",
                 refused[i]);
        dk_check(dk_num_threads() == expect, "dk_set_num_threads(%d) changed the count", refused[i]);
    }
    dk_check(dk_set_num_threads(5) == DK_OK && dk_num_threads() == reported(5), "dk_set_num_threads(5)");
    dk_check(dk_set_num_threads(1024) == DK_OK && dk_num_threads() == reported(1024),
             "dk_set_num_threads(1024)");
    dk_check(dk_set_num_threads(0) == DK_OK && dk_num_threads() == reported(cpus),
             "dk_set_num_threads(0): one per CPU");
    printf("test_num_threads: DIFFKERN_NUM_THREADS=%s -> %d (%d CPUs)\n", env ? env : "(unset)", expect,
           cpus);
    return dk_test_finish("test_num_threads");
}
