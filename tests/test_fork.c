/* A process that has used the pool forks (as PyTorch's DataLoader does),
 * and the child splits a call over threads too: it must finish (an alarm
 * turns a hang into a failure) with the parent's bits. Then the same while
 * another thread of the parent keeps the pool busy during the forks. Not
 * under qemu-user (it hangs when a guest forks or makes a thread). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diffkern.h"
#include "dk_config.h"
#include "harness.h"
#include "threads.h"

#define N (1u << 18) /* enough to split over 2 threads */

static float want[N], got[N];
static const dk_noise noise = {42, 7, 3};

/* In the child: a split call within 20 s, with the parent's bits. */
static int child_main(void)
{
    alarm(20);
    const size_t pooled = dk_parallel_pooled();
    if (dk_randn(noise, got, N) != DK_OK)
        return 2;
    if (dk_parallel_pooled() == pooled)
        return 3; /* it did not split: the test would prove nothing */
    return dk_first_diff(got, want, N) == N ? 0 : 4;
}

static void fork_and_check(const char *what)
{
    fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) {
        dk_check(0, "%s: fork failed", what);
        return;
    }
    if (pid == 0)
        _exit(child_main());
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        dk_check(0, "%s: the child died of signal %d%s", what, WTERMSIG(status),
                 WTERMSIG(status) == SIGALRM ? " (it hung)" : "");
    else
        dk_check(WEXITSTATUS(status) == 0,
                 "%s: the child exited with %d (2: error, 3: no split, 4: other bits)", what,
                 WEXITSTATUS(status));
}

static atomic_int stop;

static void *busy_main(void *arg)
{
    (void)arg;
    static float mine[N];
    while (!atomic_load(&stop))
        if (dk_randn(noise, mine, N) != DK_OK)
            return (void *)1;
    return NULL;
}

int main(void)
{
    if (!DK_HAVE_POOL)
        return dk_test_skip("test_fork", "built without the pool (-Dpool=disabled)");
    dk_set_num_threads(2);
    const size_t pooled = dk_parallel_pooled();
    dk_check(dk_randn(noise, want, N) == DK_OK, "dk_randn");
    dk_check(dk_parallel_pooled() > pooled, "the parent's call did not split");
    fork_and_check("fork after a split call");

    pthread_t busy;
    if (pthread_create(&busy, NULL, busy_main, NULL) != 0)
        return 1;
    for (int i = 0; i < 8; i++)
        fork_and_check("fork while another thread splits calls");
    atomic_store(&stop, 1);
    void *result;
    pthread_join(busy, &result);
    dk_check(result == NULL, "the busy thread's call failed");
    printf("test_fork: 9 children split their calls after fork\n");
    return dk_test_finish("test_fork");
}
