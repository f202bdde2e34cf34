// The public header compiles as C++ and its names link from C++.
#include "diffkern.h"

#include <cstdio>

int main()
{
    dk_schedule *s = nullptr;
    const dk_status st = dk_schedule_create(&s, DK_BETA_LINEAR, 10, 1e-4, 0.02);
    dk_step_opts opts = {}; // every field zero: epsilon, fixed_small, nothing else
    opts.prediction = DK_PRED_V;
    opts.eta = 0.5f;
    const int32_t t = 10, t_prev = 5;
    float x[4] = {0.5f, -1.0f, 2.0f, 0.0f}, m[4] = {0.1f, 0.2f, 0.3f, 0.4f}, out[4];
    const dk_status step = dk_ddim_step(s, &t, &t_prev, 1, 4, x, m, nullptr, &opts, out);
    std::printf("test_header: diffkern %s from C++, %s, a DDIM step: %s, active ISA %s\n", dk_version(),
                dk_status_str(st), dk_status_str(step), dk_isa_name(dk_isa_active()));
    dk_schedule_destroy(s);
    return st == DK_OK && step == DK_OK ? 0 : 1;
}
