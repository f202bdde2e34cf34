/* Many threads make their first library call at the same moment: all must
 * see the same ISA, and their kernels must give the bits one thread gives.
 * Then user threads make calls large enough to split, all at once, on a
 * pool of 3 threads: one at a time has the pool, the others work alone, and
 * every output has the one-thread bits. CI also runs this under
 * ThreadSanitizer. No fork. */
#define _POSIX_C_SOURCE 200809L /* pthread barriers */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diffkern.h"
#include "harness.h"

#define THREADS         16
#define ROWS_PER_THREAD 8
#define DIM             67

static pthread_barrier_t start_line;
static dk_schedule *sched;
static float x0[THREADS * ROWS_PER_THREAD * DIM], eps[THREADS * ROWS_PER_THREAD * DIM];
static float xt[THREADS * ROWS_PER_THREAD * DIM];
static int32_t t[THREADS * ROWS_PER_THREAD];

/* Runs fn on n threads, the i-th given (char *)args + i * size, all
 * released together at start_line, and joins them. */
static void run_at_once(int n, void *(*fn)(void *), void *args, size_t size)
{
    pthread_t threads[THREADS]; /* the most threads of any caller */
    if (n > THREADS)
        abort();
    pthread_barrier_init(&start_line, NULL, (unsigned)n);
    for (int i = 0; i < n; i++)
        if (pthread_create(&threads[i], NULL, fn, (char *)args + (size_t)i * size) != 0)
            abort();
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start_line);
}

typedef struct worker {
    int index;
    dk_isa seen;
    int supported_seen;
    dk_status status;
} worker;

static void *run(void *arg)
{
    worker *w = arg;
    pthread_barrier_wait(&start_line);
    if (w->index % 2) { /* half start with the ISA query, half with a kernel */
        w->seen = dk_isa_active();
    } else {
        w->supported_seen = dk_isa_supported(DK_ISA_AVX2);
        w->seen = dk_isa_active();
    }
    const size_t row0 = (size_t)w->index * ROWS_PER_THREAD, at = row0 * DIM;
    w->status = dk_q_sample(sched, t + row0, ROWS_PER_THREAD, DIM, x0 + at, eps + at, xt + at);
    return NULL;
}

/* ---- large calls from several user threads at once ---- */

#define CALLERS   4
#define BIG       (1u << 16) /* 16 tasks' worth of noise: every call may split */
#define BIG_CALLS 6

static float big_x0[BIG], big_want[BIG], big_got[CALLERS][BIG];
static int32_t big_t[BIG / 256];

typedef struct caller {
    int index, wrong;
} caller;

static void *big_run(void *arg)
{
    caller *c = arg;
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < BIG_CALLS; i++) {
        memset(big_got[c->index], 0xff, sizeof big_got[c->index]);
        const dk_noise noise = {9, 8, 7};
        if (dk_q_sample_randn(sched, big_t, BIG / 256, 256, big_x0, noise, NULL, big_got[c->index]) !=
                DK_OK ||
            dk_first_diff(big_got[c->index], big_want, BIG) != BIG)
            c->wrong++;
    }
    return NULL;
}

static void check_concurrent_splits(void)
{
    dk_rand_fill(big_x0, BIG, 1.0);
    for (size_t r = 0; r < BIG / 256; r++)
        big_t[r] = (int32_t)(dk_rand_u64() % 1001);
    const dk_noise noise = {9, 8, 7};
    dk_set_num_threads(1);
    dk_check(dk_q_sample_randn(sched, big_t, BIG / 256, 256, big_x0, noise, NULL, big_want) == DK_OK,
             "one thread");
    dk_set_num_threads(3);
    caller callers[CALLERS];
    for (int i = 0; i < CALLERS; i++)
        callers[i] = (caller){.index = i};
    run_at_once(CALLERS, big_run, callers, sizeof callers[0]);
    for (int i = 0; i < CALLERS; i++)
        dk_check(callers[i].wrong == 0, "caller %d: %d of %d calls failed or gave other bits", i,
                 callers[i].wrong, BIG_CALLS);
    dk_set_num_threads(0);
    printf("test_threads: %d callers x %d calls of %u floats on a pool of 3, the bits of one thread\n",
           CALLERS, BIG_CALLS, BIG);
}

int main(void)
{
    dk_test_seed();
    /* The schedule functions do not touch dispatch, so the threads below
     * still make the first dispatching call. */
    if (dk_schedule_create(&sched, DK_BETA_COSINE, 1000, 0, 0) != DK_OK)
        return 1;
    dk_rand_fill(x0, sizeof x0 / sizeof x0[0], 1.0);
    dk_rand_fill(eps, sizeof eps / sizeof eps[0], 1.0);
    for (size_t r = 0; r < sizeof t / sizeof t[0]; r++)
        t[r] = (int32_t)(dk_rand_u64() % 1001);

    worker workers[THREADS];
    for (int i = 0; i < THREADS; i++)
        workers[i] = (worker){.index = i};
    run_at_once(THREADS, run, workers, sizeof workers[0]);

    const dk_isa isa = dk_isa_active();
    for (int i = 0; i < THREADS; i++) {
        dk_check(workers[i].seen == isa, "thread %d saw %s, the process uses %s", i,
                 dk_isa_name(workers[i].seen), dk_isa_name(isa));
        dk_check(workers[i].status == DK_OK, "thread %d: %s", i, dk_status_str(workers[i].status));
    }
    static float single[sizeof xt / sizeof xt[0]];
    dk_check(dk_q_sample(sched, t, THREADS * ROWS_PER_THREAD, DIM, x0, eps, single) == DK_OK, "single");
    const size_t n = sizeof xt / sizeof xt[0];
    dk_check(dk_first_diff(xt, single, n) == n, "threaded output differs from one thread's");
    printf("test_threads: %d threads all saw %s\n", THREADS, dk_isa_name(isa));
    check_concurrent_splits();
    dk_schedule_destroy(sched);
    return dk_test_finish("test_threads");
}
