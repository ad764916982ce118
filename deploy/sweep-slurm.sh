#!/usr/bin/env bash
# A sweep split over a Slurm job array of 10 tasks: task i runs shard i of 10.
#
#   sbatch deploy/sweep-slurm.sh
#   # when the array finished:
#   cvpnsim merge results/shard-* --out results/merged
#
# cvpnsim runs from the repository's container image through Apptainer (build the image once:
# `docker build -t cvpnsim .` then `apptainer build cvpnsim.sif docker-daemon://cvpnsim:latest`),
# or set CVPNSIM=cvpnsim where it is installed on the nodes (`cargo install --path .`).
#SBATCH --job-name=cvpnsim-sweep
#SBATCH --array=1-10
#SBATCH --cpus-per-task=4
#SBATCH --time=01:00:00
set -euo pipefail
CVPNSIM=${CVPNSIM:-apptainer exec cvpnsim.sif cvpnsim}
$CVPNSIM sweep scenarios/monday-login-storm.toml \
  --vary population.staff.users=20000,30000,40000 \
  --vary associations=2,3,4 \
  --replicas 20 \
  --threads "${SLURM_CPUS_PER_TASK}" \
  --shard "${SLURM_ARRAY_TASK_ID}/10" \
  --out "results/shard-${SLURM_ARRAY_TASK_ID}"
