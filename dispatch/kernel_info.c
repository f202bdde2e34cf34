/* The rows of kernel_list.h as data, for the tests and the bench. */
#include <string.h>

#include "dispatch.h"

typedef struct kernel_row {
    const char *name, *arrays;
    unsigned uses;
} kernel_row;

static const kernel_row rows[DK_KERNEL_COUNT] = {
#define DK_KERNEL(name, arrays, uses) [DK_KERNEL_##name] = {#name, arrays, uses},
#include "kernel_list.h"
#undef DK_KERNEL
};

/* Copies the word at *p (up to a space) into name, without a trailing '?';
 * advances *p past it. Returns 1 if the word ended in '?'. */
static int take_word(const char **p, char *name, size_t size)
{
    size_t len = strcspn(*p, " ");
    const int optional = len > 0 && (*p)[len - 1] == '?';
    const size_t keep = len - (size_t)optional < size - 1 ? len - (size_t)optional : size - 1;
    memcpy(name, *p, keep);
    name[keep] = '\0';
    *p += len;
    return optional;
}

int dk_kernel_describe(dk_kernel_id id, dk_kernel_desc *d)
{
    if ((unsigned)id >= DK_KERNEL_COUNT)
        return 0;
    memset(d, 0, sizeof *d);
    d->name = rows[id].name;
    d->arrays = rows[id].arrays;
    d->uses = rows[id].uses;
    d->modes = DK_MODES_OF(d->uses);
    int outputs_now = 0;
    for (const char *p = d->arrays; *p;) {
        if (*p == ' ') {
            p++;
        } else if (strncmp(p, "->", 2) == 0) {
            outputs_now = 1;
            p += 2;
        } else if (!outputs_now && d->inputs < DK_MAX_IN) {
            if (take_word(&p, d->in_names[d->inputs], sizeof d->in_names[0]))
                d->optional |= 1u << d->inputs;
            d->inputs++;
        } else if (outputs_now && d->outputs < DK_MAX_OUT) {
            if (take_word(&p, d->out_names[d->outputs], sizeof d->out_names[0]))
                d->optional |= 1u << (DK_MAX_IN + d->outputs);
            d->outputs++;
        } else {
            return 0; /* more arrays than dk_kargs holds: caught by a test */
        }
    }
    return 1;
}
