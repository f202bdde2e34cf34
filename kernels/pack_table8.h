/* The lane permutations that pack the selected lanes of an 8-float vector
 * to its front in one vpermps (vf_pack_within of the AVX2 layer): entry m
 * holds, in nibble j, the lane that goes to slot j, the set bits of m lowest
 * first; the slots past them are lane 0, stored past the packed values. The
 * table is made by the preprocessor: the lane p of a set bit goes to slot
 * "set bits of m below p". 1 KiB, and dk_pack_count8 the lanes of each mask
 * (no POPCNT assumed, as in pack_table.h). */
#ifndef DK_PACK_TABLE8_H
#define DK_PACK_TABLE8_H

#include <stdint.h>

#define DK_BIT_(m, p) (((m) >> (p)) & 1u)
#define DK_POP8_(m)                                                                                          \
    (DK_BIT_(m, 0) + DK_BIT_(m, 1) + DK_BIT_(m, 2) + DK_BIT_(m, 3) + DK_BIT_(m, 4) + DK_BIT_(m, 5) +         \
     DK_BIT_(m, 6) + DK_BIT_(m, 7))
#define DK_SLOT_(m, p) (DK_BIT_(m, p) * ((uint32_t)(p) << (4 * DK_POP8_((m) & ((1u << (p)) - 1u)))))
#define DK_LANES_(m)                                                                                         \
    (DK_SLOT_(m, 0) | DK_SLOT_(m, 1) | DK_SLOT_(m, 2) | DK_SLOT_(m, 3) | DK_SLOT_(m, 4) | DK_SLOT_(m, 5) |   \
     DK_SLOT_(m, 6) | DK_SLOT_(m, 7))
#define DK_ROWS4_(F, m) F((m) + 0u), F((m) + 1u), F((m) + 2u), F((m) + 3u)
#define DK_ROWS16_(F, m)                                                                                     \
    DK_ROWS4_(F, (m) + 0u), DK_ROWS4_(F, (m) + 4u), DK_ROWS4_(F, (m) + 8u), DK_ROWS4_(F, (m) + 12u)
#define DK_ROWS64_(F, m)                                                                                     \
    DK_ROWS16_(F, (m) + 0u), DK_ROWS16_(F, (m) + 16u), DK_ROWS16_(F, (m) + 32u), DK_ROWS16_(F, (m) + 48u)
#define DK_ROWS256_(F) DK_ROWS64_(F, 0u), DK_ROWS64_(F, 64u), DK_ROWS64_(F, 128u), DK_ROWS64_(F, 192u)

static const uint32_t dk_pack_lanes8[256] = {DK_ROWS256_(DK_LANES_)};
static const uint8_t dk_pack_count8[256] = {DK_ROWS256_(DK_POP8_)};

#undef DK_BIT_
#undef DK_POP8_
#undef DK_SLOT_
#undef DK_LANES_
#undef DK_ROWS4_
#undef DK_ROWS16_
#undef DK_ROWS64_
#undef DK_ROWS256_

#endif /* DK_PACK_TABLE8_H */
