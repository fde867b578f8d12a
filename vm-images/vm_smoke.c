// SPDX-License-Identifier: BSD-2-Clause
/*
 * vm_smoke.c - prove, inside the test VM, that eBPF runs and in which mode.
 *
 * usage: rcode-vm-smoke on|off
 *
 * Loads a tiny XDP program with the raw bpf(2) syscall (no libbpf, so it
 * works before the project has any BPF object), runs it once with
 * BPF_PROG_TEST_RUN and asks the kernel whether it was JIT-compiled.
 * "on" expects machine code (jited_prog_len > 0), "off" expects none: the
 * program then ran in the kernel's eBPF interpreter, which is the point of
 * the second VM run.  Prints one line per check in the selftests' protocol
 * (PASS: / FAIL:) and exits 0 when all passed.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define INSN(c, d, s, o, i)                                                  \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s),     \
			    .off = (o), .imm = (i) })
#define MOV64_IMM(d, i)	  INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_REG(d, s)	  INSN(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define ADD64_IMM(d, i)	  INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define JNE_IMM(d, i, o)  INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT_INSN()	  INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int failures;

static void check(int ok, const char *what, const char *why)
{
	if (ok) {
		printf("PASS: %s\n", what);
	} else {
		printf("FAIL: %s: %s\n", what, why);
		failures++;
	}
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	/*
	 * r0 = sum(1..10) - 53 = 2 = XDP_PASS, with a backward jump, so the
	 * interpreter executes a loop rather than two instructions.
	 */
	struct bpf_insn prog[] = {
		MOV64_IMM(BPF_REG_0, 0),
		MOV64_IMM(BPF_REG_1, 10),
		ADD64_REG(BPF_REG_0, BPF_REG_1),
		ADD64_IMM(BPF_REG_1, -1),
		JNE_IMM(BPF_REG_1, 0, -3),
		ADD64_IMM(BPF_REG_0, -53),
		EXIT_INSN(),
	};
	unsigned char pkt[64] = { 0 };
	char log[4096] = "", why[256], what[128];
	struct bpf_prog_info info;
	union bpf_attr attr;
	int want_jit, fd;

	if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off"))) {
		fprintf(stderr, "usage: rcode-vm-smoke on|off\n");
		return 2;
	}
	want_jit = !strcmp(argv[1], "on");

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (uintptr_t)prog;
	attr.insn_cnt = sizeof(prog) / sizeof(prog[0]);
	attr.license = (uintptr_t)"BSD";
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	strncpy(attr.prog_name, "rcode_vm_smoke", sizeof(attr.prog_name) - 1);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	snprintf(why, sizeof(why), "BPF_PROG_LOAD: %s; verifier log: %.150s",
		 strerror(errno), log);
	check(fd >= 0, "smoke: load an XDP program with bpf(2)", why);
	if (fd < 0)
		return 1;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = fd;
	attr.test.data_in = (uintptr_t)pkt;
	attr.test.data_size_in = sizeof(pkt);
	attr.test.repeat = 1000;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr))
		snprintf(why, sizeof(why), "BPF_PROG_TEST_RUN: %s",
			 strerror(errno));
	else
		snprintf(why, sizeof(why), "returned %u, expected 2 (XDP_PASS)",
			 attr.test.retval);
	check(attr.test.retval == XDP_PASS,
	      "smoke: run it with BPF_PROG_TEST_RUN", why);

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info = (uintptr_t)&info;
	attr.info.info_len = sizeof(info);
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr)) {
		snprintf(why, sizeof(why), "BPF_OBJ_GET_INFO_BY_FD: %s",
			 strerror(errno));
		check(0, "smoke: JIT state of the program", why);
	} else {
		snprintf(what, sizeof(what),
			 "smoke: program %s (xlated %u bytes, jited %u bytes)",
			 want_jit ? "JIT-compiled" : "runs in the interpreter",
			 info.xlated_prog_len, info.jited_prog_len);
		snprintf(why, sizeof(why), "jited_prog_len is %u, expected %s",
			 info.jited_prog_len, want_jit ? "> 0" : "0");
		check(want_jit == (info.jited_prog_len > 0), what, why);
	}
	close(fd);
	return failures ? 1 : 0;
}
