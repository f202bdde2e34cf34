/* The library's thread pool (DESIGN.md section 9): Debian's libpthreadpool,
 * created at the first call that splits, guarded against fork, and never
 * waited on by a second user thread (which then works alone). */
#ifndef DK_THREADS_H
#define DK_THREADS_H

#include <stddef.h>

/* Runs task(ctx, i) for every i in 0..tasks-1, each exactly once, and
 * returns when all are done: over the pool when tasks > 1 and it is free,
 * on the calling thread otherwise. Each task runs with the calling thread's
 * floating-point environment (rounding, flush-to-zero), so the bits do not
 * depend on which thread ran it. */
void dk_parallel(size_t tasks, void (*task)(void *ctx, size_t i), void *ctx);

/* How many dk_parallel calls have gone to the pool so far (tests: that a
 * split really happened). */
size_t dk_parallel_pooled(void);

#endif /* DK_THREADS_H */
