// SPDX-License-Identifier: BSD-2-Clause
/*
 * osu_coll_mpi.c - the OSU-method collective loop (osu_loop.h) on MPI:
 * MPI_Allreduce of MPI_UINT64_T with MPI_SUM, and MPI_Barrier, on
 * MPI_COMM_WORLD.  Built with mpicc.openmpi and mpicc.mpich where they
 * are installed (make bench-mpi); bench/osu.sh runs it.
 *
 *   osu_coll_mpi WAY ROUND [ITERS [WARMUP]]
 */
#include <mpi.h>
#include "osu_loop.h"

static int mpi_allreduce(void *ctx, const uint64_t *in, uint64_t *out,
			 unsigned int count)
{
	(void)ctx;
	return MPI_Allreduce(in, out, count, MPI_UINT64_T, MPI_SUM,
			     MPI_COMM_WORLD) != MPI_SUCCESS;
}

static int mpi_barrier(void *ctx)
{
	(void)ctx;
	return MPI_Barrier(MPI_COMM_WORLD) != MPI_SUCCESS;
}

int main(int argc, char **argv)
{
	struct osu_way w = { .allreduce = mpi_allreduce, .barrier = mpi_barrier,
			     .iters = OSU_ITERS, .warmup = OSU_WARMUP };
	int rank, size, err;

	if (argc < 3) {
		fprintf(stderr, "usage: osu_coll_mpi WAY ROUND [ITERS [WARMUP]]\n");
		return 2;
	}
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	w.name = argv[1];
	w.round = atoi(argv[2]);
	if (argc > 3)
		w.iters = atoi(argv[3]);
	if (argc > 4)
		w.warmup = atoi(argv[4]);
	w.rank = rank;
	w.size = size;
	err = osu_run(&w);
	if (err)
		fprintf(stderr, "osu_coll_mpi: rank %d: %s\n", rank,
			err == -2 ? "a wrong sum" : "a call failed");
	MPI_Finalize();
	return err ? 1 : 0;
}
