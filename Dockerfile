# Three images from one file:
#   serve    - the API: numpy, onnxruntime, faiss, fastapi, redis. No torch.
#   train    - serve + torch etc.: trains the demo model and exports artifacts (`heterrec demo --no-serve`).
#   loadtest - serve + locust: headless load test against the API.
# torch==2.13.0 from PyPI is a CUDA build on Linux; for a smaller CPU-only image pass the CPU wheel index:
#   docker build --target train --build-arg PIP_EXTRA_INDEX_URL=<pytorch CPU wheel index> .
FROM python:3.11-slim AS serve
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY heterrec ./heterrec
COPY export ./export
COPY service ./service
COPY loadtest ./loadtest
RUN pip install .
ENV ARTIFACTS_DIR=/work/artifacts HOST=0.0.0.0 PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"
CMD ["heterrec", "serve"]

FROM serve AS train
ARG PIP_EXTRA_INDEX_URL=""
COPY model ./model
COPY data ./data
RUN pip install ".[train]"
CMD ["heterrec", "demo", "--no-serve", "--data", "/app/data/amazon-beauty", "--workdir", "/work"]

FROM serve AS loadtest
RUN pip install "locust>=2.20,<3"
CMD ["python", "-m", "loadtest.run", "--host", "http://api:8000"]
