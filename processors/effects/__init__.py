"""What every form family does to the world, shared so that no family imports another's internals.

- `state`: set_state, save_data (a record moved on, facts added; inside the pass's transaction)
- `recipients`: address, people (who a mail goes to)
- `outgoing`: send (a mail queued in the outbox, exactly once per key)
- `issue`: issue_document (a document recorded, with its context and date, in the deciding transaction)
- `signers`: route_signers, signer (the sign-off boxes a document prints, one per route step)
- `produce`: produce_documents (the recorded documents' files, after the commit, from what was stored)
- `context`: the lossless JSON a document's context is stored as
"""

from __future__ import annotations

from .issue import issue_document
from .outgoing import send
from .produce import ProduceReport, produce_documents
from .recipients import address, people
from .signers import route_signers, signer
from .state import save_data, set_state

__all__ = ["ProduceReport", "address", "issue_document", "people", "produce_documents", "route_signers",
           "save_data", "send", "set_state", "signer"]
