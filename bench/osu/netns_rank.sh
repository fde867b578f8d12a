#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# netns_rank.sh PROGRAM ARG... - run an MPI rank in its own network
# namespace: the launcher (mpirun.openmpi, mpiexec.hydra) starts this in
# the root namespace, and it enters $OSU_NS_PREFIX<rank> (the rank from
# OMPI_COMM_WORLD_RANK, or PMI_RANK under hydra) before it becomes the
# program.  UCX (MPICH's ch4:ucx) is told the rank's veth,
# $OSU_IF_PREFIX<rank>.  ip netns exec, not nsenter: UCX finds the
# veth in the namespace's /sys, which ip netns exec mounts.
set -eu
r=${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-${PMIX_RANK:-}}}
[ -n "$r" ] || { echo "netns_rank.sh: no rank in the environment" >&2; exit 2; }
export UCX_NET_DEVICES="${OSU_IF_PREFIX:?}$r"
exec ip netns exec "${OSU_NS_PREFIX:?}$r" "$@"
