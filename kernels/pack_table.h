/* The byte shuffles that pack the selected lanes of a 4-float vector to its
 * front (vf_pack_within of the SSE4.1 and NEON layers): row m lists
 * the bytes of the lanes whose bit is set in m, lowest lane first; 0x80
 * zeroes the rest (pshufb, and tbl for any index past 15). Also the
 * AVX-512 layer, for dk_pack_count. */
#ifndef DK_PACK_TABLE_H
#define DK_PACK_TABLE_H

#include <stdint.h>

#define DK_LANE_(j) 4 * (j), 4 * (j) + 1, 4 * (j) + 2, 4 * (j) + 3
#define DK_NONE_    0x80, 0x80, 0x80, 0x80

static const uint8_t dk_pack_bytes[16][16] = {
    {DK_NONE_, DK_NONE_, DK_NONE_, DK_NONE_},          {DK_LANE_(0), DK_NONE_, DK_NONE_, DK_NONE_},
    {DK_LANE_(1), DK_NONE_, DK_NONE_, DK_NONE_},       {DK_LANE_(0), DK_LANE_(1), DK_NONE_, DK_NONE_},
    {DK_LANE_(2), DK_NONE_, DK_NONE_, DK_NONE_},       {DK_LANE_(0), DK_LANE_(2), DK_NONE_, DK_NONE_},
    {DK_LANE_(1), DK_LANE_(2), DK_NONE_, DK_NONE_},    {DK_LANE_(0), DK_LANE_(1), DK_LANE_(2), DK_NONE_},
    {DK_LANE_(3), DK_NONE_, DK_NONE_, DK_NONE_},       {DK_LANE_(0), DK_LANE_(3), DK_NONE_, DK_NONE_},
    {DK_LANE_(1), DK_LANE_(3), DK_NONE_, DK_NONE_},    {DK_LANE_(0), DK_LANE_(1), DK_LANE_(3), DK_NONE_},
    {DK_LANE_(2), DK_LANE_(3), DK_NONE_, DK_NONE_},    {DK_LANE_(0), DK_LANE_(2), DK_LANE_(3), DK_NONE_},
    {DK_LANE_(1), DK_LANE_(2), DK_LANE_(3), DK_NONE_}, {DK_LANE_(0), DK_LANE_(1), DK_LANE_(2), DK_LANE_(3)},
};

/* The lanes of each mask: the builds do not assume the POPCNT instruction
 * (and __builtin_popcount without it is a call). */
static const uint8_t dk_pack_count[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};

#undef DK_LANE_
#undef DK_NONE_

#endif /* DK_PACK_TABLE_H */
