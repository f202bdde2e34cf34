/* DIFFKERN_ISA=<name> forces an ISA at first use; a name this build or CPU
 * cannot run falls back to the best supported ISA.
 * usage: DIFFKERN_ISA=<value> test_env <value> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diffkern.h"
#include "harness.h"

int main(int argc, char **argv)
{
    const char *env = getenv("DIFFKERN_ISA");
    if (argc != 2 || !env || strcmp(env, argv[1]) != 0) {
        fprintf(stderr, "run as DIFFKERN_ISA=<value> %s <value>\n", argv[0]);
        return 2;
    }
    dk_isa named = (dk_isa)-1;
    for (int i = 0; i < DK_ISA_COUNT; i++)
        if (strcmp(argv[1], dk_isa_name((dk_isa)i)) == 0)
            named = (dk_isa)i;
    /* the documented order of preference */
    static const dk_isa preference[] = {DK_ISA_AVX512, DK_ISA_AVX2, DK_ISA_NEON, DK_ISA_SSE41, DK_ISA_SCALAR};
    dk_isa best = DK_ISA_SCALAR;
    for (int i = 4; i >= 0; i--)
        if (dk_isa_supported(preference[i]))
            best = preference[i];
    const dk_isa want = (int)named >= 0 && dk_isa_supported(named) ? named : best;
    const dk_isa got = dk_isa_active();
    dk_check(got == want, "DIFFKERN_ISA=%s: active %s, expected %s", env, dk_isa_name(got),
             dk_isa_name(want));
    printf("test_env: DIFFKERN_ISA=%s -> %s\n", env, dk_isa_name(got));
    return dk_test_finish("test_env");
}
