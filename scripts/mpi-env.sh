# Sourced by the scripts for runs on one machine (tests, quickstart, bench):
# - lets Open MPI run as root (containers, CI) and place more ranks than
#   cores, as the tests run 4 ranks on 2 cores: Open MPI 4 reads
#   OMPI_MCA_rmaps_base_oversubscribe, Open MPI 5 (PRRTE) its mapping policy
#   (both the environment form of `--map-by :OVERSUBSCRIBE`, which both accept
#   on the command line); MPICH's Hydra places any number of ranks as it is;
# - picks the ob1 messaging layer: without it Open MPI 4.1 spends ~0.2 s of
#   every MPI_Init probing for cluster fabrics (libfabric, PSM) that one
#   machine does not have. Cluster jobs (jobs/*.slurm) keep the site default.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export PRTE_MCA_rmaps_default_mapping_policy=${PRTE_MCA_rmaps_default_mapping_policy:-:oversubscribe}
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
