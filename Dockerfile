FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN bash .ci/install
ENV PATH="/app/.venv/bin:$PATH" SIGHT_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
CMD ["sight", "serve", "--host", "0.0.0.0"]
