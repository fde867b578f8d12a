#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# coll_topo.sh - a switched network of N nodes for the collectives' tests
# and benchmarks: N network namespaces, each with one veth whose peer is a
# port of a bridge in a namespace of its own.
#
#   coll_topo.sh up ID N HOSTS [--ipv6] [--loss P] [--xdp-pass OBJ]
#                              [--root-port ADDR] [--no-ipv6]
#   coll_topo.sh loss ID N P     set (P > 0) or remove (P = 0) the loss
#   coll_topo.sh down ID [N]     remove everything of ID (N: 16 if absent)
#   coll_topo.sh ns ID RANK      print the namespace of RANK
#   coll_topo.sh if ID RANK      print its interface
#
# ID is a small number (the caller's pid, say) that keeps parallel runs
# apart; N is 1..16.  Rank r lives in namespace rcx-coll-ID-r on
# interface rcxcIDnR (unique on the host, as the bpffs pins of the kernel
# mode need: /sys/fs/bpf/rcode/net-COOKIE/IFNAME), with 198.18.2.(r+1)/24,
# fd00:c011::(r+1)/64 and MAC 02:00:00:c0:01:(r+1); its bridge port
# rcxbIDnR (MAC 02:00:00:c0:02:(r+1))
# is on bridge br0 in namespace rcx-coll-ID-br.  Every node has a
# permanent neighbour entry for every other, so nothing waits on ARP (and
# a lossy run loses R-messages only).  Transmit checksum offload is off on
# the nodes' veths: a handler that edits a message and sends it on must
# see a complete UDP checksum, as from a real NIC.
#
# --loss P puts `netem loss P%` on every bridge port's egress, or where
# the kernel has no netem the BPF filter of selftests/tools/coll_loss
# ($COLL_LOSS_TOOL, default $RC_BUILD/selftests/tools/coll_loss): each
# frame towards a node is lost with probability P.  --xdp-pass OBJ
# attaches an XDP_PASS program to the bridge ports, which a veth needs to
# deliver frames a peer sends with XDP_TX (not needed for TC handlers).
# --root-port ADDR gives the bridge a port in the caller's namespace,
# interface rcxrID with ADDR/24 (in 198.18.2.0/24, e.g. 198.18.2.254),
# for a launcher there that the ranks must reach (Open MPI's PMIx
# server); --no-ipv6 turns IPv6 off on every veth (MPI would use it too).
#
# HOSTS gets the hosts file (docs/collectives.md): rank, address (IPv4,
# or with --ipv6 IPv6), job port ("-"), MAC; HOSTS.6 the same with the
# IPv6 addresses.  `up` removes what it made if any step fails, and
# exits 1; `down` removes every namespace of ID whatever state it is in.
set -u

usage() {
	sed -n '6,12p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

build=${RC_BUILD:-$(dirname "$0")/../../build}
loss_tool=${COLL_LOSS_TOOL:-$build/selftests/tools/coll_loss}

ns_of() { echo "rcx-coll-$1-$2"; }
if_of() { echo "rcxc$1n$2"; }
port_of() { echo "rcxb$1n$2"; }
brns_of() { echo "rcx-coll-$1-br"; }
hex2() { printf '%02x' "$1"; }

check_id_n() {
	case $1 in ''|*[!0-9]*) echo "coll_topo: bad ID '$1'" >&2; exit 2 ;; esac
	[ "${#1}" -le 6 ] || { echo "coll_topo: ID '$1' too long (6 digits)" >&2; exit 2; }
	case $2 in ''|*[!0-9]*) echo "coll_topo: bad N '$2'" >&2; exit 2 ;; esac
	if [ "$2" -lt 1 ] || [ "$2" -gt 16 ]; then
		echo "coll_topo: N must be 1..16" >&2
		exit 2
	fi
}

down() {
	id=$1 n=${2:-16}
	r=0
	while [ "$r" -lt "$n" ]; do
		ip netns del "$(ns_of "$id" "$r")" 2>/dev/null
		# the kernel mode's pins, if a member was killed before it
		# removed them
		# (under the dead namespace's net-<cookie>/, removed if empty)
		for d in /sys/fs/bpf/rcode/net*/"$(if_of "$id" "$r")"; do
			[ -d "$d" ] && rm -rf "$d" && rmdir "${d%/*}" 2>/dev/null
		done
		r=$((r + 1))
	done
	ip netns del "$(brns_of "$id")" 2>/dev/null
	# the root port's peer went with the bridge's namespace; this is
	# for an interrupted up
	ip link del "rcxr$id" 2>/dev/null
	return 0
}

# Loss on every bridge port: netem where the kernel has it, else the
# BPF filter of coll_loss (this kernel may lack CONFIG_NET_SCH_NETEM).
# Prints which on stdout ("loss=netem" or "loss=bpf").
set_loss() {
	id=$1 n=$2 p=$3 br=$(brns_of "$1") how=
	r=0
	while [ "$r" -lt "$n" ]; do
		dev=$(port_of "$id" "$r")
		ip -n "$br" link show "$dev" >/dev/null 2>&1 || return 1
		if [ "$p" = 0 ]; then
			tc -n "$br" qdisc del dev "$dev" root 2>/dev/null
			[ -x "$loss_tool" ] && ip netns exec "$br" "$loss_tool" "$dev" 0
		elif [ "$how" != bpf ] &&
		     tc -n "$br" qdisc replace dev "$dev" root netem loss "$p%" 2>/dev/null; then
			how=netem
		elif [ "$how" != netem ] && [ -x "$loss_tool" ]; then
			ip netns exec "$br" "$loss_tool" "$dev" "$p" || return 1
			how=bpf
		else
			echo "coll_topo: no netem, and no $loss_tool" >&2
			return 1
		fi
		r=$((r + 1))
	done
	[ -n "$how" ] && echo "loss=$how"
	return 0
}

up() {
	id=$1 n=$2 hosts=$3
	shift 3
	loss=0 xdp= v6= rootaddr= no6=
	while [ $# -gt 0 ]; do
		case $1 in
		--ipv6) v6=1; shift ;;
		--root-port) rootaddr=$2; shift 2 ;;
		--no-ipv6) no6=1; shift ;;
		--loss) loss=$2; shift 2 ;;
		--xdp-pass) xdp=$2; shift 2 ;;
		*) usage ;;
		esac
	done
	br=$(brns_of "$id")
	# Anything failing from here on removes what was made.
	trap 'down "$id" "$n"; exit 1' INT TERM HUP
	{
		ip netns add "$br" &&
		ip -n "$br" link set lo up &&
		ip -n "$br" link add br0 address 02:00:00:c0:00:01 type bridge \
			forward_delay 0 stp_state 0 &&
		ip -n "$br" link set br0 up
	} || { down "$id" "$n"; exit 1; }
	: >"$hosts.tmp" && : >"$hosts.6.tmp" || { down "$id" "$n"; exit 1; }
	echo "# coll_topo.sh up $id $n: rank address port mac" >>"$hosts.tmp"
	echo "# coll_topo.sh up $id $n: rank address port mac" >>"$hosts.6.tmp"
	batch=$(mktemp /tmp/rcx-coll-neigh.XXXXXX) || { down "$id" "$n"; exit 1; }
	r=0
	while [ "$r" -lt "$n" ]; do
		ns=$(ns_of "$id" "$r") dev=$(if_of "$id" "$r") port=$(port_of "$id" "$r")
		mac=02:00:00:c0:01:$(hex2 $((r + 1)))
		a6=fd00:c011::$(printf '%x' $((r + 1)))
		echo "$r $a6 - $mac" >>"$hosts.6.tmp"
		if [ -n "$v6" ]; then
			echo "$r $a6 - $mac" >>"$hosts.tmp"
		else
			echo "$r 198.18.2.$((r + 1)) - $mac" >>"$hosts.tmp"
		fi
		echo "neigh replace 198.18.2.$((r + 1)) lladdr $mac nud permanent dev DEV" >>"$batch"
		echo "neigh replace $a6 lladdr $mac nud permanent dev DEV" >>"$batch"
		{
			ip netns add "$ns" &&
			ip -n "$ns" link set lo up &&
			ip link add "$dev" netns "$ns" address "$mac" type veth \
				peer name "$port" netns "$br" \
				address 02:00:00:c0:02:$(hex2 $((r + 1))) &&
			ip -n "$ns" addr add 198.18.2.$((r + 1))/24 dev "$dev" &&
			ip -n "$ns" addr add "$a6/64" dev "$dev" nodad &&
			ip netns exec "$ns" ethtool -K "$dev" tx off >/dev/null &&
			ip -n "$br" link set "$port" master br0 &&
			ip -n "$br" link set "$port" up &&
			ip -n "$ns" link set "$dev" up
		} || { rm -f "$batch" "$hosts.tmp" "$hosts.6.tmp"; down "$id" "$n"; exit 1; }
		if [ -n "$no6" ]; then
			ip netns exec "$ns" sysctl -qw net.ipv6.conf."$dev".disable_ipv6=1 ||
				{ rm -f "$batch" "$hosts.tmp" "$hosts.6.tmp"; down "$id" "$n"; exit 1; }
		fi
		if [ -n "$xdp" ]; then
			ip -n "$br" link set dev "$port" xdpdrv obj "$xdp" sec xdp ||
				{ rm -f "$batch" "$hosts.tmp" "$hosts.6.tmp"; down "$id" "$n"; exit 1; }
		fi
		r=$((r + 1))
	done
	r=0
	while [ "$r" -lt "$n" ]; do
		sed "s/DEV/$(if_of "$id" "$r")/" "$batch" |
			grep -v " 198.18.2.$((r + 1)) " |
			grep -v " fd00:c011::$(printf '%x' $((r + 1))) " |
			{ if [ -n "$no6" ]; then grep -v " fd00:"; else cat; fi; } |
			ip -n "$(ns_of "$id" "$r")" -batch - ||
			{ rm -f "$batch" "$hosts.tmp" "$hosts.6.tmp"; down "$id" "$n"; exit 1; }
		r=$((r + 1))
	done
	rm -f "$batch"
	if [ -n "$rootaddr" ]; then
		case $rootaddr in 198.18.2.*) ;; *)
			echo "coll_topo: --root-port: an address in 198.18.2.0/24" >&2
			rm -f "$hosts.tmp" "$hosts.6.tmp"; down "$id" "$n"; exit 1 ;;
		esac
		{
			ip link add "rcxr$id" type veth peer name "rcxrb$id" netns "$br" &&
			sysctl -qw net.ipv6.conf."rcxr$id".disable_ipv6=1 &&
			ip addr add "$rootaddr/24" dev "rcxr$id" &&
			ip -n "$br" link set "rcxrb$id" master br0 &&
			ip -n "$br" link set "rcxrb$id" up &&
			ip link set "rcxr$id" up
		} || { rm -f "$hosts.tmp" "$hosts.6.tmp"; down "$id" "$n"; exit 1; }
	fi
	if [ "$loss" != 0 ]; then
		set_loss "$id" "$n" "$loss" || { rm -f "$hosts.tmp" "$hosts.6.tmp"; down "$id" "$n"; exit 1; }
	fi
	{ mv "$hosts.tmp" "$hosts" && mv "$hosts.6.tmp" "$hosts.6"; } ||
		{ down "$id" "$n"; exit 1; }
	trap - INT TERM HUP
}

[ $# -ge 2 ] || usage
cmd=$1
shift
case $cmd in
up)
	[ $# -ge 3 ] || usage
	check_id_n "$1" "$2"
	up "$@"
	;;
loss)
	[ $# -eq 3 ] || usage
	check_id_n "$1" "$2"
	set_loss "$1" "$2" "$3"
	;;
down)
	check_id_n "$1" "${2:-16}"
	down "$1" "${2:-16}"
	;;
ns) [ $# -eq 2 ] || usage; ns_of "$1" "$2" ;;
if) [ $# -eq 2 ] || usage; if_of "$1" "$2" ;;
*) usage ;;
esac
