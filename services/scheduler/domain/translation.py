"""What one record of a core system's own format means for Dunwell (Fineract's adapter makes
these): its type as a bounded label, and the Dunwell events it maps to, none when Dunwell
acknowledges and ignores it. A bulk record yields one per item, each as if sent alone."""

from __future__ import annotations

from dataclasses import dataclass

from shared.events import Event

#: The label of a type the core system's shipped schemas do not name (metric labels stay bounded).
OTHER = "other"


@dataclass(frozen=True)
class Translated:
    """One core-system event: ``source_type`` (a type the shipped schemas name, or ``other``),
    the Dunwell ``events`` it maps to, and how many protected attributes it carried (dropped)."""

    source_type: str
    events: tuple[Event, ...] = ()
    protected_dropped: int = 0

    @property
    def ignored(self) -> bool:
        return not self.events
