/* Every public function of api_list.h, every option set, on odd shapes,
 * split over 1, 2, 3 and 7 threads: the outputs must have the bits of the
 * one-thread call. The small shapes split with a minimum of a few elements
 * per task (dk_set_split_min), so that task edges fall inside rows, inside
 * runs of equal t, and beside the normals made ahead; one large shape splits
 * with the library's own minimum. Each thread count must really have gone
 * to the pool. CI also runs this under ThreadSanitizer. Not under
 * qemu-user (it hangs when a guest makes a thread). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "call.h"
#include "dk_config.h"
#include "harness.h"
#include "threads.h"

static const int thread_counts[] = {2, 3, 7};
#define COUNTS (sizeof thread_counts / sizeof thread_counts[0])

/* A value no output element has by chance: a skipped range keeps it. */
static void fill_sentinel(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = 12345.0f;
}

static void call_with(const api_case *c, int threads)
{
    dk_set_num_threads(threads);
    for (int k = 0; k < api_outputs(c->f); k++)
        fill_sentinel(c->out[k], api_out_len(c->f, k, &c->g));
    dk_check(api_case_call(c) == DK_OK, "%s failed at %d threads", c->f->name, threads);
}

/* Options o of f on c, at every thread count against one thread. */
static void check_opts(api_case *c, int o, float *const *want)
{
    const api_spec *f = c->f;
    api_case_set_opts(c, o);
    call_with(c, 1);
    for (int k = 0; k < api_outputs(f); k++)
        memcpy(want[k], c->out[k], api_out_len(f, k, &c->g) * sizeof(float));
    for (size_t i = 0; i < COUNTS; i++) {
        const size_t pooled = dk_parallel_pooled();
        call_with(c, thread_counts[i]);
        /* a call with a sum or a threshold per row splits by whole rows */
        int by_rows = c->opts.threshold_ratio > 0.0f && api_opts_role(f);
        for (int k = 0; k < api_outputs(f); k++)
            by_rows |= api_out_per_row(f, k);
        dk_check(dk_parallel_pooled() > pooled || (by_rows && c->g.rows == 1),
                 "%s %zux%zu: %d threads did not split", f->name, c->g.rows, c->g.dim, thread_counts[i]);
        for (int k = 0; k < api_outputs(f); k++) {
            const size_t d = api_out_first_diff(f, k, &c->g, c->out[k], want[k]);
            dk_check(d == api_out_values(f, k, &c->g), "%s %zux%zu opts %d, %d threads: %s[%zu] differs",
                     f->name, c->g.rows, c->g.dim, o, thread_counts[i], api_out(f, k)->name, d);
        }
    }
}

/* Every stride-th option set. */
static void check_shape(const api_spec *f, const dk_schedule *s, size_t rows, size_t dim, int stride)
{
    api_case *c = api_case_new(f, s, rows, dim);
    float *want[API_MAX_OUT] = {0};
    for (int k = 0; k < api_outputs(f); k++)
        if (!(want[k] = malloc(api_out_len(f, k, &c->g) * sizeof(float))))
            abort();
    for (int o = 0; o < api_opts_count(f); o += stride)
        check_opts(c, o, want);
    for (int k = 0; k < API_MAX_OUT; k++)
        free(want[k]);
    api_case_free(c);
}

int main(void)
{
    if (!DK_HAVE_POOL)
        return dk_test_skip("test_split", "built without the pool (-Dpool=disabled)");
    dk_test_seed();
    dk_schedule *s = NULL;
    if (dk_schedule_create(&s, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK)
        abort();
    /* rows x dim and the option sets' stride: rows cut in the middle (every
     * option set), many short runs (normals made ahead), one row, rows of
     * a single value */
    static const size_t small[][3] = {{13, 67, 1}, {300, 5, 5}, {1, 1001, 7}, {700, 1, 11}};
    dk_set_split_min(16);
    for (size_t i = 0; i < api_spec_count; i++)
        for (size_t j = 0; j < sizeof small / sizeof small[0]; j++)
            check_shape(&api_specs[i], s, small[j][0], small[j][1], (int)small[j][2]);
    /* The library's own minimums: 7 tasks of them. */
    dk_set_split_min(0);
    for (size_t i = 0; i < api_spec_count; i++)
        check_shape(&api_specs[i], s, 29, 4099, 37);
    dk_schedule_destroy(s);
    return dk_test_finish("test_split");
}
