//! desc: C constructs on all paths: loops, break, continue, switch fall-through, inlining, narrow signed arithmetic, indexed state, resize
//! msg src=1 dst=0 portal=5 seq=1 payload=u8:1,2,3,0,200,100,7
//! expect action=pass
//! expect msg seq=2 payload=hex:d930340be7ffb5050e00000000000000
//! expect state hist=0,2,1,0
//! msg src=1 dst=0 portal=5 seq=0xffffffff payload=u8:128,131,134,137,140,143,146,149,152,155,158,161,164,167,170,173,176,179,182,185,188,191,194,197
//! expect action=reply
//! expect msg src=0 dst=1 seq=0 payload=hex:93242d76b3ff80051b00000000000000
//! expect state hist=0,2,1,1
//! msg src=1 dst=0 portal=5 seq=7 payload=u8:9,255,5
//! expect action=pass
//! expect msg seq=8 payload=hex:24680c0c04000c010400000000000000
//! expect state hist=1,2,1,1
//! msg src=1 dst=0 portal=5 seq=2 payload=u8:100,101,102,103,104,105,106,107,108,109,110,111,112,113,114,115,116,117,118,119,120,121,122,123,124,125,126,127,128,129,130,131,132,133,134,135,136,137,138,139
//! expect action=reply
//! expect msg src=0 dst=1 seq=3 payload=hex:db8106203f007f05edffffffffffffff
//! expect state hist=1,2,1,2
// SPDX-License-Identifier: BSD-2-Clause
/* C constructs on every execution path: loops with break and continue,
 * switch with fall-through, inlined functions, narrow signed arithmetic,
 * indexed state, resize, header stores, a ?: between two actions (one
 * loop: the no-JIT translation walks every iteration at load).  The
 * expectations come from the same file compiled natively by gcc. */
#include <rcode.h>

static inline uint32_t mix(uint32_t h, uint8_t b)
{
	return (h ^ b) * 16777619u;
}

static inline int8_t clamp8(int v)
{
	return v > 127 ? 127 : v < -128 ? -128 : (int8_t)v;
}

RC_STATE uint64_t hist[4];

RC_HANDLER(features, 5, 512)
{
	uint32_t h = 2166136261u;
	int16_t acc = 0;
	uint16_t n = rc_len();
	unsigned int i;

	for (i = 0; i < n && i < 5; i++) {
		uint8_t b = rc_ld8(i);

		if (b == 0)
			continue;
		if (b == 0xff)
			break;
		h = mix(h, b);
		acc += (int8_t)b;
	}
	switch (h & 3) {
	case 0:
		hist[0]++;
		break;
	case 1:
		hist[1] += 2;
		/* fall through */
	case 2:
		hist[2]++;
		break;
	default:
		__sync_fetch_and_add(&hist[3], 1);
	}
	acc >>= 1;
	if (acc > 100 || acc < -100)
		acc >>= 2;
	rc_resize(16);
	rc_st32(0, h);
	rc_st16(4, (uint16_t)acc);
	rc_st8(6, (uint8_t)clamp8(acc * 3));
	rc_st8(7, i);
	rc_st64(8, (int64_t)acc / -3 + (h % 7));
	rc_set_seq(rc_seq() + 1);
	return n > 20 ? RC_REPLY : RC_PASS;
}
