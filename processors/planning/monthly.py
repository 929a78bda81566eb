"""What the two monthly plan rows share: numbered by their month, fixed once approved, versioned while they
wait, signed first by whoever prepared them."""

from __future__ import annotations

from ..effects import route_signers, signer
from ..forms.validate import RowResult
from ..kinds import Kind
from ..store.db import Record


class MonthlyKind(Kind):
    #: the number's prefix (MP, FP) and the derived values an approved record keeps as they were approved
    PREFIX = ""
    FROZEN: tuple[str, ...] = ()
    #: the signature field of the person who prepared it (the first box on the document)
    PREPARER = ""

    def key_for(self, data: dict[str, str]) -> tuple[str, str, int] | None:
        """MP-2026-12: the month is the number; a second record of one month (a row deleted and typed again) is
        MP-2026-12-R2, so a plan line MP-2026-12-01 never names two plans."""
        month = data.get("month", "")
        if not month:
            return None
        series = f"{self.PREFIX}-{month}"
        n = self.store.next_number(series)
        return (series if n == 1 else f"{series}-R{n}"), series, n

    def frozen(self, result: RowResult, key: str) -> str | None:
        """An approved record's figures, put back into the row's values: they no longer follow the inputs."""
        own = self.store.record(key) if key else None
        if own is None or own.form != self.form.id or own.state != "approved":
            return None
        for name in self.FROZEN:
            result.values[name] = own.data.get(name, "")
        return own.data.get("digest", "")

    def version_of(self, key: str, digest: str) -> str:
        """The version these figures are: the latest kept, or the next one when they differ from it."""
        versions = self.store.plan_versions(key) if key else []
        return str(len(versions) + int(not versions or versions[-1]["digest"] != digest))

    def immutable(self, record: Record) -> bool:
        return record.state == "approved"

    def _signers(self, record: Record) -> list[dict[str, str]]:
        person = self.ws.cfg.find_person(record.data.get(self.PREPARER, ""))
        name = person.name if person else record.data.get(self.PREPARER, "")
        submitted = [t["at"] for t in self.store.transitions(record.key) if t["to_state"].startswith("awaiting:")]
        return [signer("编制（采购专员）", "Prepared (purchasing specialist)", name,
                       submitted[-1][:10] if submitted else ""), *route_signers(self.ws, self.form, record)]
