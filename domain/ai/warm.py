"""Loading the agent's models ahead of the first request or job.

Every model loads lazily, once per process, and is shared; a worker calls `warm_up`
at start so that its first job does not wait about 4 s (Sudachi's dictionary 1 s,
the skills index 1 s, the sentence encoder 2–3 s) while holding the queue.
"""

from __future__ import annotations

from domain.ai import embedding, tokenizer
from domain.ai.skill_index import default_skill_index


def warm_up(*, embeddings: bool = True) -> None:
    """Load the tokenizer, the taxonomy index and (unless told not to) the encoder."""
    tokenizer.warm_up()
    default_skill_index()
    if embeddings:
        embedding.warm_up()
