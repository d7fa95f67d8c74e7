"""Where event files live: the Source interface and its local and fsspec (remote, SSH) kinds."""
