"""The runtime a run is handed: what runs the stages, and where, without the stages knowing.

- :mod:`.executor`: one task graph on a few cores (threads), with the results cache and progress.
- :mod:`.embed_worker`: the embedding model in worker processes, while this process parses and clusters.
- :mod:`.cache`: parses and embeddings (a cached parser and embedder) and trees and statistics
  (memoised stages) on disk.
- :mod:`.dask`: parsing, embedding and the row-wise work on a Dask cluster.
- :mod:`.context`: what steps share (a thread budget, a lock for interpreter-bound loops, memory).
- :mod:`.progress`: what the run says on stderr.
- :mod:`.assembly`: :func:`~.assembly.open_runtime` puts a :class:`~.assembly.Runtime` together from the
  command line's choices, :func:`~.assembly.local_runtime` for library use and tests.

A stage reads the same with or without any of this. This package's ``__init__`` imports nothing: the
stages import :mod:`.context`, which must not pull the rest in.
"""
