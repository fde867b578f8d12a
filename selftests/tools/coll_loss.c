// SPDX-License-Identifier: BSD-2-Clause
/*
 * coll_loss.c - make an interface's egress lossy where netem is missing:
 * bpf/test_loss.bpf.c (embedded in librcode) attached with cls_bpf on the
 * clsact qdisc, where it stays after this program exits.
 *
 *   coll_loss IFNAME PERCENT    drop each frame with this probability
 *                               (0..100, decimals allowed; 0 removes it)
 *
 * Used by selftests/tools/coll_topo.sh inside the bridge's namespace.
 */
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "embedded.h"

#define OBJ	"test_loss.bpf.o"

int main(int argc, char **argv)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tco, .handle = 0x7c55, .priority = 1);
	const struct rc_embedded_obj *eo = rc_embedded_test_find(OBJ);
	struct bpf_object *obj;
	struct bpf_map *ro;
	double pct;
	char *end;
	__u64 thresh;
	int err;

	libbpf_set_print(NULL);	/* an existing clsact is fine: no noise */
	if (argc != 3) {
		fprintf(stderr, "usage: coll_loss IFNAME PERCENT\n");
		return 2;
	}
	pct = strtod(argv[2], &end);
	if (*end || !(pct >= 0 && pct <= 100)) {
		fprintf(stderr, "coll_loss: bad percentage '%s'\n", argv[2]);
		return 2;
	}
	hook.ifindex = if_nametoindex(argv[1]);
	if (!hook.ifindex) {
		fprintf(stderr, "coll_loss: %s: no such interface\n", argv[1]);
		return 1;
	}
	if (pct == 0) {
		/* removes the qdisc and every filter on it */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		err = bpf_tc_hook_destroy(&hook);
		return err && err != -ENOENT ? 1 : 0;
	}
	thresh = (__u64)llround(pct / 100 * 4294967296.0);
	obj = eo ? bpf_object__open_mem(eo->data, eo->size, NULL) : NULL;
	ro = obj ? bpf_object__find_map_by_name(obj, ".rodata") : NULL;
	if (!ro || bpf_map__set_initial_value(ro, &thresh, sizeof(thresh)) ||
	    bpf_object__load(obj)) {
		fprintf(stderr, "coll_loss: cannot load %s\n", OBJ);
		bpf_object__close(obj);
		return 1;
	}
	tco.prog_fd = bpf_program__fd(bpf_object__next_program(obj, NULL));
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "coll_loss: clsact on %s: %s\n", argv[1], strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	tco.flags = BPF_TC_F_REPLACE;
	err = bpf_tc_attach(&hook, &tco);
	if (err)
		fprintf(stderr, "coll_loss: attach on %s: %s\n", argv[1], strerror(-err));
	bpf_object__close(obj);	/* the filter holds the program */
	return err ? 1 : 0;
}
