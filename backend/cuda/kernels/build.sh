#!/bin/sh
# build.sh compiles every kernels/*.cu to kernels/*.ptx, which the Go
# package embeds. Run it on a machine with the CUDA toolkit (nvcc, ptxas)
# after changing a .cu or .cuh file, and commit the .ptx files with the
# sources: a Go test (TestPTXMatchesSources) fails while they disagree.
#
# Target: PTX for compute capability 8.0 (Ampere: A100, RTX 30xx and every
# newer GPU, Hopper included); the driver compiles it for the GPU it finds.
# nvcc 13 writes PTX ISA 9.0, which drivers older than CUDA 13 refuse to
# compile, so the .version line is lowered to PTX_ISA (8.0: the CUDA 12.0
# driver's), and ptxas then assembles the result as that ISA for sm_80 and
# sm_90: if a kernel ever needs a newer instruction, that check fails here
# rather than on users' drivers.
#
# Each .ptx starts with a header naming the sha256 of its inputs: this
# script, the *.cuh headers (in byte order of their names) and the .cu.
# VERBOSE=1 prints ptxas's register and spill report. Arguments name the
# .cu files to build (default: all of them).
set -eu
cd "$(dirname "$0")"
ARCH=compute_80
PTX_ISA=${PTX_ISA:-8.0} # PTX_ISA=7.8 checks a build with CUDA 11.8's ptxas (not for committing)
[ $# -gt 0 ] || set -- *.cu
for cu in "$@"; do
	base=${cu%.cu}
	hash=$(cat build.sh $(ls *.cuh | LC_ALL=C sort) "$cu" | sha256sum | cut -d' ' -f1)
	nvcc -ptx -arch=$ARCH -O3 -std=c++17 -o "$base.ptx.tmp" "$cu"
	sed -i "s/^\.version .*/.version $PTX_ISA/" "$base.ptx.tmp"
	for sm in sm_80 sm_90; do
		out=$(ptxas -arch=$sm -O3 -v -o /dev/null "$base.ptx.tmp" 2>&1) || { echo "$out"; exit 1; }
		if [ -n "${VERBOSE:-}" ]; then echo "$out" | sed "s/^/$base $sm: /"; fi
	done
	{
		printf '// tern-source-sha256: %s\n' "$hash"
		printf '// built by kernels/build.sh: nvcc -ptx -arch=%s (%s), .version set to %s\n' \
			"$ARCH" "$(nvcc --version | grep -o 'release [0-9.]*')" "$PTX_ISA"
		cat "$base.ptx.tmp"
	} >"$base.ptx"
	rm -f "$base.ptx.tmp"
done
