# Sourced by the scripts: lets Open MPI run as root (containers, CI) and place
# more ranks than cores, as the tests need 4 ranks on 2 cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
