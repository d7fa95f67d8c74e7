"""Run health as Prometheus metrics: a headless service over the live session.

:mod:`.families` turns one publication of the session into metric families (a pure
function, so each scrape is one consistent snapshot); :mod:`.collector` is the
``prometheus_client`` collector that reads the latest publication and the exporter's own
health; :mod:`.service` runs the session and the HTTP endpoint until a signal. Nothing
here imports Textual: the exporter runs where no terminal is open.
"""

#: Where the exporter listens unless told: this host only (9109: a port free in
#: Prometheus' list of default exporter ports).
DEFAULT_LISTEN = "127.0.0.1:9109"
