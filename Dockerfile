# The project as one image: both taps, Meltano and its plugins, the outreach model, and the Dagster
# code location (README, "Many accounts"). On Kubernetes it is the image of the Helm chart's user
# code deployment, and dagster-k8s's K8sRunLauncher starts each run as a Job of it; on ECS it is the
# task definition that dagster-aws's EcsRunLauncher starts. Keys come from the environment
# (a Kubernetes Secret, ECS task secrets) under the names the account files give.
FROM python:3.11-slim

WORKDIR /project
COPY . .
# The project's own setup: .venv (taps, Meltano) and .venv-dagster (Dagster, dagster-dbt, dbt).
RUN scripts/bootstrap \
    && .venv/bin/meltano install \
    # The model's manifest, parsed once here rather than by every run that loads the definitions.
    && PYTHONPATH=. .venv-dagster/bin/python -c \
       "from pathlib import Path; from orchestration.model import manifest, project; manifest(project(Path('.')))"

ENV MELTANO_PROJECT_ROOT=/project \
    MELTANO_ENVIRONMENT=prod \
    PYTHONPATH=/project \
    PATH=/project/.venv-dagster/bin:$PATH

# The code location's gRPC server, as the Helm chart and ECS expect it.
EXPOSE 4000
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "orchestration.definitions"]
