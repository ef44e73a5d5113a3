"""One secretary process for the concurrency test: confirm every listed item, racing the others.

``python confirm_worker.py NAME CRITERION ITEM_ID...`` runs two threads (two browser tabs of
the same secretary) that each try to confirm every item. A :class:`ConflictError` means another
secretary got there first: the item is re-read and confirming it again (now a no-op link) must
not allocate a second code. Prints one JSON line: how many confirmations this process made.
"""

from __future__ import annotations

import json
import sys
import threading

from minhchung.index.review import ConflictError, confirm
from minhchung.index.store import EvidenceItem
from minhchung.ui.context import AppContext


def main(name: str, criterion: str, item_ids: list[int]) -> None:
    context = AppContext.open()
    made, conflicts = [], []

    def tab(order: list[int], actor: str) -> None:
        for item_id in order:
            for _attempt in range(20):
                with context.db.session() as session:
                    version = session.get(EvidenceItem, item_id).version
                try:
                    confirm(context.db, item_id, criterion, actor=actor, expected_version=version)
                    made.append(item_id)
                    break
                except ConflictError:
                    conflicts.append(item_id)

    tabs = [threading.Thread(target=tab, args=(item_ids if n % 2 == 0 else item_ids[::-1], f"{name}-{n}"))
            for n in range(2)]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join()
    context.close()
    print(json.dumps({"confirmations": len(made), "conflicts": len(conflicts)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3:]])
