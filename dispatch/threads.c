/* The thread count (dk_set_num_threads, DIFFKERN_NUM_THREADS) and the pool.
 *
 * Why libpthreadpool and not OpenMP: GNU OpenMP's pool hangs in a child
 * forked after the parent used it (PyTorch's DataLoader forks its workers),
 * and the library would impose its runtime on every program linking it.
 * pthreadpool is one small library (XNNPACK's pool, in Debian), and its
 * pool is an object we own: in a forked child we drop the parent's pool
 * (its threads do not exist there) and make a new one at the next call. */
#define _GNU_SOURCE /* sched_getaffinity */
#include "threads.h"

#include <errno.h>
#include <fenv.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "diffkern.h"
#include "dk_config.h"

#if DK_HAVE_POOL
#include <pthreadpool.h>
#endif

/* ThreadSanitizer does not see the synchronization inside libpthreadpool
 * (not instrumented): tell it that a task starts after its call does and the
 * call ends after its tasks. */
#if defined(__SANITIZE_THREAD__)
#define DK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DK_TSAN 1
#endif
#endif
#ifdef DK_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define tsan_acquire(p) __tsan_acquire(p)
#define tsan_release(p) __tsan_release(p)
#else
#define tsan_acquire(p) ((void)(p))
#define tsan_release(p) ((void)(p))
#endif

enum { MAX_THREADS = 1024 }; /* dk_set_num_threads refuses more */

/* The count asked for: by dk_set_num_threads, else DIFFKERN_NUM_THREADS,
 * else 0; -1 until one of those is read. 0 means one per CPU. */
static _Atomic int requested = -1;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

/* The CPUs this process may run on: the online ones, unless taskset or a
 * cpuset narrows them. */
static int cpus_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)(online < MAX_THREADS ? online : MAX_THREADS) : 1;
}

static void read_env(void)
{
    int n = 0;
    const char *env = getenv("DIFFKERN_NUM_THREADS");
    if (env && *env) {
        char *end;
        errno = 0;
        const long v = strtol(env, &end, 10);
        if (*end == '\0' && errno == 0 && v >= 0 && v <= MAX_THREADS)
            n = (int)v;
        else
            fprintf(stderr, "diffkern: DIFFKERN_NUM_THREADS=%s is not a count in 0..%d; using one per CPU\n",
                    env, MAX_THREADS);
    }
    int unset = -1; /* dk_set_num_threads before the first read wins */
    atomic_compare_exchange_strong(&requested, &unset, n);
}

/* A build without the pool (-Dpool=disabled) keeps the count asked for,
 * but splits nothing: it reports 1. */
int dk_num_threads(void)
{
    pthread_once(&env_once, read_env);
    const int n = atomic_load(&requested);
    return !DK_HAVE_POOL ? 1 : n > 0 ? n : cpus_available();
}

dk_status dk_set_num_threads(int n)
{
    if (n < 0 || n > MAX_THREADS)
        return DK_ERR_THREADS;
    pthread_once(&env_once, read_env);
    atomic_store(&requested, n);
    return DK_OK;
}

#if DK_HAVE_POOL

/* The pool and its size, under pool_lock; NULL until a call splits. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthreadpool_t pool;
static size_t pool_size;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static _Atomic size_t pooled_calls;

/* fork: the prepare handler waits for a running split call (so the pool is
 * idle and the lock free when the process is copied); the child forgets the
 * parent's pool, whose threads it does not have, and leaks its memory:
 * destroying it would wait for those threads forever. */
static void before_fork(void) { pthread_mutex_lock(&pool_lock); }
static void after_fork_parent(void) { pthread_mutex_unlock(&pool_lock); }
static void after_fork_child(void)
{
    pool = NULL;
    pool_size = 0;
    pthread_mutex_unlock(&pool_lock);
}
static void register_fork_handlers(void) { pthread_atfork(before_fork, after_fork_parent, after_fork_child); }

typedef struct dk_job {
    void (*task)(void *ctx, size_t i);
    void *ctx;
    fenv_t env; /* the calling thread's */
} dk_job;

static void run_task(void *p, size_t i)
{
    dk_job *job = p;
    tsan_acquire(job);
    fenv_t own;
    fegetenv(&own);
    fesetenv(&job->env);
    job->task(job->ctx, i);
    fesetenv(&own);
    tsan_release(job);
}

void dk_parallel(size_t tasks, void (*task)(void *ctx, size_t i), void *ctx)
{
    const size_t want = (size_t)dk_num_threads();
    int pooled = 0;
    if (tasks > 1 && want > 1) {
        pthread_once(&fork_once, register_fork_handlers);
        /* Another user thread's call has the pool: this one works alone
         * rather than wait (the bits are the same). */
        pooled = pthread_mutex_trylock(&pool_lock) == 0;
    }
    if (pooled && pool && pool_size != want) {
        pthreadpool_destroy(pool);
        pool = NULL;
    }
    if (pooled && !pool) {
        pool = pthreadpool_create(want);
        pool_size = pool ? want : 0;
    }
    if (pooled && pool) {
        dk_job job;
        job.task = task, job.ctx = ctx;
        fegetenv(&job.env);
        tsan_release(&job);
        /* The workers sleep once the call is done instead of spinning for
         * the next: a spinning worker holds a CPU that the caller's own
         * threads (a model's forward pass, the triad in the bench) want
         * right after; measured, it slowed a 2-thread loop run after a call
         * to half its speed. */
        pthreadpool_parallelize_1d(pool, run_task, &job, tasks, PTHREADPOOL_FLAG_YIELD_WORKERS);
        tsan_acquire(&job);
        atomic_fetch_add(&pooled_calls, 1);
    } else {
        for (size_t i = 0; i < tasks; i++)
            task(ctx, i);
    }
    if (pooled)
        pthread_mutex_unlock(&pool_lock);
}

#else /* no pool: every task on the calling thread */

static _Atomic size_t pooled_calls; /* stays 0 */

void dk_parallel(size_t tasks, void (*task)(void *ctx, size_t i), void *ctx)
{
    for (size_t i = 0; i < tasks; i++)
        task(ctx, i);
}

#endif

size_t dk_parallel_pooled(void) { return atomic_load(&pooled_calls); }
