/* A program that uses an installed or subproject diffkern, as a user would. */
#include <diffkern.h>
#include <stdio.h>

int main(void)
{
    dk_schedule *s = NULL;
    if (dk_schedule_create(&s, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK)
        return 1;
    const int32_t t[2] = {1, 1000};
    const float x0[4] = {1, 2, 3, 4}, eps[4] = {0.5f, -0.5f, 0.25f, 0};
    float xt[4];
    const dk_status st = dk_q_sample(s, t, 2, 2, x0, eps, xt);
    printf("diffkern %s on %s: %s, xt[0] = %.4f\n", dk_version(), dk_isa_name(dk_isa_active()),
           dk_status_str(st), xt[0]);
    dk_schedule_destroy(s);
    return st == DK_OK ? 0 : 1;
}
