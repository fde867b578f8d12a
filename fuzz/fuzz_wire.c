// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_wire.c - the wire decoder.  Property: a message it takes encodes
 * back to the bytes it came from (as many as the header says it holds),
 * but for the flags byte, written as 0; one it refuses says why.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rc_msg m;
	static uint8_t out[RC_HDR_LEN + RC_PAYLOAD_MAX];
	const char *why = NULL;
	int n;

	if (!rc_msg_from_wire(data, size, &m, &why)) {
		FUZZ_CHECK(m.hdr.len <= RC_PAYLOAD_MAX, "len %u", m.hdr.len);
		n = rc_msg_to_wire(&m, out, sizeof(out));
		FUZZ_CHECK(n == RC_HDR_LEN + m.hdr.len && (size_t)n <= size,
			   "re-encoded to %d bytes from %zu", n, size);
		/* The one byte that may change: flags, which version 1
		 * receivers ignore and senders write as 0 (docs/wire.md). */
		FUZZ_CHECK(out[3] == 0 && !memcmp(out, data, 3) &&
			   !memcmp(out + 4, data + 4, n - 4),
			   "re-encoding differs beyond the flags byte");
	} else {
		FUZZ_CHECK(why && *why, "refused without a reason");
	}
	return 0;
}
