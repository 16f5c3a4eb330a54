"""The alert receiver: monitoring reports alerts, warroom proposes incidents,
a person decides.

- limits.py: every cap on what a sender may send, and the checks;
- mappers.py: Alertmanager, Grafana and PagerDuty Events v2 payloads to
  IncomingAlert records (pure, no I/O);
- auth.py: the token file and the constant-time comparison;
- server.py: the aiohttp server (imported only by `warroom intake serve`);
- verbs.py: `warroom intake list|accept|decline|merge|serve`.

Nothing here imports Textual or Rich; aiohttp only in server.py."""
