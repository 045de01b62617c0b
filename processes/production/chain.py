"""The retrieval chain across runs: one run's final posterior saved, the next run's prior.

A scheduled period's job saves the posterior of its last date; the next period's job starts
from it instead of spinning the chain up again, so chained periods give the numbers of one run
over both. The backend binds a run's :class:`ChainHooks` (where to read and write the state,
progress) into ``make_vp_lai_fapar``/``run_production``, like it binds ``on_date``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from processes.production.plan import Chunk, Plan
from processes.production.step import Carry
from processes.retrieval.prior import PosteriorState


@dataclass
class ChainHooks:
    """What a job runner asks of a ``vp_lai_fapar`` run besides its arguments."""

    prior: Path | None = None
    """State file of an earlier run to start from (missing or unusable: start as usual)."""
    save_to: Path | None = None
    """Where to write the final state (None: not kept)."""
    on_progress: Callable[[int, int], None] | None = None
    """``callback(done, total)`` after each produced date."""
    on_note: Callable[[str], None] = field(default=lambda message: None)
    """Receives what happened to the prior (used, or why not)."""


@dataclass(frozen=True)
class ChainState:
    """The posterior of every pixel of a grid after one step date."""

    date: datetime
    """The step date the posterior belongs to."""
    ys: np.ndarray
    """Grid y coordinates."""
    xs: np.ndarray
    """Grid x coordinates."""
    x: np.ndarray
    """Posterior means, (y·x, n)."""
    cov: np.ndarray
    """Posterior covariances, (y·x, n, n)."""
    valid: np.ndarray
    """Where the posterior may serve as the next prior, (y·x,)."""
    age: np.ndarray
    """Steps since the posterior (a failed date in between makes it 2), (y·x,)."""

    @classmethod
    def from_carries(
        cls, plan: Plan, date: datetime, carries: Sequence[tuple[Chunk, Carry]]
    ) -> ChainState | None:
        """The grid's state from each chunk's last carry (None when no chunk has a posterior)."""
        known = [c.posterior for _, c in carries if c.posterior is not None]
        if not known:
            return None
        ny, nx = plan.shape
        n = known[0].x.shape[1]
        x = np.full((ny, nx, n), np.nan)
        cov = np.full((ny, nx, n, n), np.nan)
        valid = np.zeros((ny, nx), bool)
        age = np.ones((ny, nx))
        for chunk, carry in carries:
            rows, cols = chunk.rows, chunk.cols
            age[rows, cols] = carry.age
            post = carry.posterior
            if post is None:
                continue
            r, c = chunk.shape
            x[rows, cols] = post.x.reshape(r, c, n)
            cov[rows, cols] = post.cov.reshape(r, c, n, n)
            valid[rows, cols] = post.valid.reshape(r, c)
        return cls(date, plan.ys, plan.xs, x.reshape(ny * nx, n),
                   cov.reshape(ny * nx, n, n), valid.ravel(), age.ravel())  # fmt: skip

    def carry_for(self, chunk: Chunk) -> Carry:
        """The carry a chunk of the same grid starts from."""
        nx = self.xs.size
        rows = np.arange(self.ys.size)[chunk.rows]
        cols = np.arange(nx)[chunk.cols]
        flat = (rows[:, None] * nx + cols[None, :]).ravel()
        valid = self.valid[flat]
        age = float(self.age[flat].max())  # one age per chunk; equal unless chunks differ
        if not valid.any():
            return Carry(None, age)
        x, cov = self.x[flat].copy(), self.cov[flat].copy()
        return Carry(PosteriorState(x, cov, valid), age)

    def matches(self, plan: Plan) -> bool:
        """Whether the state lies on the plan's grid."""
        return (
            self.ys.shape == plan.ys.shape
            and self.xs.shape == plan.xs.shape
            and np.allclose(self.ys, plan.ys, rtol=0, atol=1e-9)
            and np.allclose(self.xs, plan.xs, rtol=0, atol=1e-9)
        )

    def save(self, path: Path) -> Path:
        """Write the state (``.npz``) under a temporary name, then rename it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        with part.open("wb") as f:
            np.savez(
                f, date=np.array(self.date.strftime("%Y-%m-%d")), ys=self.ys, xs=self.xs,
                x=self.x, cov=self.cov, valid=self.valid, age=self.age,
            )  # fmt: skip
        part.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> ChainState:
        """Read a state written by :meth:`save`.

        Raises:
            OSError, ValueError, KeyError: the file is missing or not a state.
        """
        with np.load(path) as f:
            day = datetime.strptime(str(f["date"]), "%Y-%m-%d").replace(tzinfo=UTC)
            return cls(day, f["ys"], f["xs"], f["x"], f["cov"], f["valid"], f["age"])


def resume_index(state: ChainState, steps: Sequence[datetime], interval: int) -> int | None:
    """Index of the step that follows the state's date, or None when it is not a step."""
    following = state.date + timedelta(days=interval)
    for k, step in enumerate(steps):
        if step == following:
            return k
    return None
