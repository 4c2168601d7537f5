#!/usr/bin/env bash
# Installs scanhpc's Debian packages if any is missing (idempotent; needs root
# or sudo only when something is missing).
set -euo pipefail
packages=(
  cmake g++ make pkg-config git
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
  libboost-program-options-dev libeigen3-dev catch2 libsimdjson-dev libavro-dev libdeflate-dev zlib1g-dev python3-avro
  python3-h5py python3-matplotlib python3-pandas python3-numpy jupyter-nbconvert python3-ipykernel python3-nbformat
  bzip2 xz-utils zstd util-linux  # the exit-code tests make real bzip2, xz and zstd inputs; setpriv
  tabix  # bgzip: the gzip member tests make BGZF inputs
  python3-xarray python3-h5netcdf  # reading outputs with xarray (README, "Reading results")
  clang libclang-rt-14-dev libomp-14-dev  # libFuzzer and the sanitizer runtimes (scripts/fuzz.sh, the asan-ubsan preset)
  slurm-wlm slurm-client munge procps  # the SLURM test starts a one-node cluster (tests/slurm)
  masscan iproute2 nftables tcpdump  # the netlab test scans planted services in network namespaces (tests/netlab)
  strace  # test_singletons sees which session folders runs without mpirun make
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all Debian packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
