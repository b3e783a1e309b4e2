FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The locked dependencies first, exact versions checked by their hashes: a
# change to the code reuses this layer instead of installing them again. The
# app itself runs from /app (manage.py, gunicorn config.wsgi), not installed.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
# Static files are collected at build time with throwaway values: the settings
# module refuses to load in production without them, and none is used here.
RUN DJANGO_ENV=production DJANGO_SECRET_KEY=build-only VOTE_HASH_SECRET=build-only-2 \
    DJANGO_ALLOWED_HOSTS=build DATABASE_URL=postgres://build/build REDIS_URL=redis://build \
    EMAIL_HOST=build PUBLIC_BASE_URL=http://build python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 app && mkdir -p /app/media && chown app /app/media
USER app
EXPOSE 8000
# The access log and its format (no token, no query string): config/gunicorn.py.
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.py", "--bind", "0.0.0.0:8000", "--workers", "4"]
