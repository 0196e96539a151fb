"""The app as gunicorn serves it, plus a bare "hello" endpoint: the ceiling a page's
throughput is compared with in the load run (bench/load.py).

    gunicorn 'bench.wsgi:app'
"""

from __future__ import annotations

from charter import create_app

app = create_app()


@app.get("/bench/hello")
def hello() -> str:
    return "hello"
