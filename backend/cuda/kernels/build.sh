#!/bin/sh
# build.sh compiles every kernels/*.cu to kernels/*.ptx, which the Go
# package embeds. Run it on a machine with the CUDA toolkit (nvcc, ptxas)
# after changing a .cu or .cuh file, and commit the .ptx files with the
# sources: a Go test (TestPTXMatchesSources) fails while they disagree.
#
# Targets: each NAME.cu gives NAME.ptx, PTX for compute capability 8.0
# (Ampere: A100, RTX 30xx and every newer GPU), and NAME.sm90.ptx, the same
# source for 9.0 (Hopper), where common.cuh's programmatic dependent launch
# is compiled in; a device loads the newest module its GPU runs, and the
# driver compiles it for the GPU it finds.
# nvcc 13 writes PTX ISA 9.0, which drivers older than CUDA 13 refuse to
# compile, so the .version line is lowered to PTX_ISA (8.0: the CUDA 12.0
# driver's), and ptxas then assembles the result as that ISA for sm_80 and
# sm_90: if a kernel ever needs a newer instruction, that check fails here
# rather than on users' drivers.
#
# Each .ptx starts with a header naming the sha256 of its inputs: this
# script, the *.cuh headers (in byte order of their names) and the .cu.
# VERBOSE=1 prints ptxas's register and spill report; NVCC_FLAGS adds
# compiler flags (-DPDL_PREFETCH=0, to try a variant; not for committing);
# TARGETS=90 builds only the .sm90.ptx (parallel builds).
# Arguments name the .cu files to build (default: all of them).
set -eu
cd "$(dirname "$0")"
PTX_ISA=${PTX_ISA:-8.0} # PTX_ISA=7.8 checks a build with CUDA 11.8's ptxas (not for committing)
[ $# -gt 0 ] || set -- *.cu
for cu in "$@"; do
	base=${cu%.cu}
	hash=$(cat build.sh $(ls *.cuh | LC_ALL=C sort) "$cu" | sha256sum | cut -d' ' -f1)
	for cc in ${TARGETS:-80 90}; do
		case $cc in
		80) out=$base.ptx sms="sm_80 sm_90" ;;
		*) out=$base.sm$cc.ptx sms=sm_$cc ;;
		esac
		nvcc -ptx -arch=compute_$cc -O3 -std=c++17 ${NVCC_FLAGS:-} -o "$out.tmp" "$cu"
		sed -i "s/^\.version .*/.version $PTX_ISA/" "$out.tmp"
		for sm in $sms; do
			log=$(ptxas -arch=$sm -O3 -v -o /dev/null "$out.tmp" 2>&1) || { echo "$log"; exit 1; }
			if [ -n "${VERBOSE:-}" ]; then echo "$log" | sed "s/^/$out $sm: /"; fi
		done
		{
			printf '// tern-source-sha256: %s\n' "$hash"
			printf '// built by kernels/build.sh: nvcc -ptx -arch=compute_%s (%s), .version set to %s\n' \
				"$cc" "$(nvcc --version | grep -o 'release [0-9.]*')" "$PTX_ISA"
			cat "$out.tmp"
		} >"$out"
		rm -f "$out.tmp"
	done
done
