// The public header compiles as C++ and its names link from C++.
#include "diffkern.h"

#include <cstdio>

int main()
{
    dk_schedule *s = nullptr;
    const dk_status st = dk_schedule_create(&s, DK_BETA_LINEAR, 10, 1e-4, 0.02);
    const dk_step_opts opts = {DK_PRED_V, DK_VAR_FIXED_LARGE, 1.0f};
    (void)opts;
    std::printf("test_header: diffkern %s from C++, %s, active ISA %s\n", dk_version(), dk_status_str(st),
                dk_isa_name(dk_isa_active()));
    dk_schedule_destroy(s);
    return st == DK_OK ? 0 : 1;
}
