"""A kernel manager for ``make apps`` that does not cull a preheated kernel as it is handed out.

Voilà keeps preheated kernels in a pool and protects them from the idle culler while they
wait there. A pooled kernel is idle the whole time it waits, so when a viewer takes it, it
may already look idle for longer than the cull timeout; Voilà sends the page at once, but the
browser needs a moment to load the page and open its connection to the kernel. If the culler
runs in that moment, it shuts the kernel down and the viewer gets a page whose widgets never
appear. In a busy room that moment can be long: thirty pages opened at once on two cores took
27 s to load in the concurrency benchmark.

This manager treats a kernel that has left the pool and never had a connection as a kernel
whose viewer is still on the way: the culler leaves it alone for ``handoff_grace`` seconds
(at least the cull timeout) from when it first saw it outside the pool. Once a page has
connected, the kernel is culled by the usual rule, so a closed tab frees its kernel as before.
A handed-out kernel whose page never connects is culled after the grace.

It also tells each kernel which notebook it is for, in the ``KIT_NOTEBOOK`` environment
variable: a kernel Voilà starts for its pool is otherwise told only the notebook's folder, and
:mod:`widgets.forked_kernels` forks a kernel from the template branch its notebook needs. A
kernel Voilà starts for a waiting viewer already knows its page's address (``SCRIPT_NAME``).

voila.json selects it with ``VoilaConfiguration.multi_kernel_manager_class``; Voilà builds its
pooling manager on top of it (its ``cull_kernel_if_idle`` calls this one for every kernel that
is not waiting in a pool), so everything else is Voilà's.
"""

from __future__ import annotations

import functools
from datetime import datetime
from urllib.parse import unquote

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float

from widgets.serve import RENDER_PATH

#: The environment variable that names the notebook a pooled kernel is started for.
NOTEBOOK_ENV = "KIT_NOTEBOOK"


def notebook_of(env: dict) -> str | None:
    """The notebook (relative to Voilà's folder) a kernel with environment ``env`` is for, or
    None when the kernel was not started for one of a folder's notebooks."""
    if env.get(NOTEBOOK_ENV):
        return env[NOTEBOOK_ENV]
    page = env.get("SCRIPT_NAME", "")  # a viewer's kernel started while the viewer waits
    return unquote(page.split(RENDER_PATH, 1)[1]) if RENDER_PATH in page else None


class PreheatSafeKernelManager(AsyncMappingKernelManager):
    """``AsyncMappingKernelManager`` that gives a handed-out kernel time for its page to connect."""

    handoff_grace = Float(
        120.0, config=True,
        help="Seconds a kernel taken from the pool may wait for its viewer's page to connect "
             "before the idle culler may shut it down (never less than cull_idle_timeout).")

    def __init_subclass__(cls, **kwargs):
        # Voilà builds its pooling manager as a subclass of this one, and starts a pool's
        # kernels from its _initialize, which knows the notebook; start_kernel is told only
        # the folder. So the notebook goes into the kernel's environment there.
        super().__init_subclass__(**kwargs)
        initialize = cls.__dict__.get("_initialize")
        if initialize is None:
            return

        @functools.wraps(initialize)
        async def _initialize(self, notebook_path, kernel_id=None, **kw):
            kw["env"] = {**(kw.get("env") or {}), NOTEBOOK_ENV: str(notebook_path)}
            return await initialize(self, notebook_path, kernel_id, **kw)

        cls._initialize = _initialize

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._handed_out: dict[str, datetime] = {}  # kernel id -> first seen outside a pool
        self._connected: set[str] = set()  # kernels that have had a page connected

    def pooled_kernel_ids(self) -> set[str]:
        """Kernels ready and waiting in Voilà's pools (none without preheating)."""
        ids = set()
        for pool in getattr(self, "_pools", {}).values():
            for item in pool:
                if item.done() and not item.cancelled() and item.exception() is None:
                    kernel_id = item.result().get("kernel_id")
                    if kernel_id:
                        ids.add(kernel_id)
        return ids

    def note_handoffs(self) -> set[str]:
        """Record kernels seen outside the pool for the first time; restart their idle clock.

        Returns the newly handed-out kernels, and forgets kernels that are gone.
        """
        pooled, now = self.pooled_kernel_ids(), utcnow()
        new = set()
        for kernel_id, kernel in self._kernels.items():
            if kernel_id in pooled:
                # A kernel still starting for the pool was seen outside it; it waits there now,
                # so its hand-off is still to come.
                self._handed_out.pop(kernel_id, None)
                continue
            if kernel_id not in self._handed_out:
                self._handed_out[kernel_id] = now
                kernel.last_activity = now
                new.add(kernel_id)
        for gone in set(self._handed_out) - set(self._kernels):
            del self._handed_out[gone]
            self._connected.discard(gone)
        return new

    def awaiting_viewer(self, kernel_id: str) -> bool:
        """True while a handed-out kernel has never been connected and is within its grace."""
        since = self._handed_out.get(kernel_id)
        if since is None or kernel_id in self._connected:
            return False
        grace = max(self.handoff_grace, float(self.cull_idle_timeout))
        return (utcnow() - since).total_seconds() < grace

    def notify_connect(self, kernel_id: str) -> None:
        # Recorded as it happens: a page that connects and closes between two cull checks
        # has still had its connection, and its kernel is culled by the usual rule.
        self._connected.add(kernel_id)
        super().notify_connect(kernel_id)

    async def cull_kernels(self):
        self.note_handoffs()
        await super().cull_kernels()

    async def cull_kernel_if_idle(self, kernel_id: str):
        # The culler awaits between kernels, and Voilà may hand a pooled kernel to a viewer
        # in that time: look again, or that kernel's hand-off goes unseen until the next
        # round and it is culled for the time it sat in the pool.
        self.note_handoffs()
        if self.awaiting_viewer(kernel_id):
            return None
        return await super().cull_kernel_if_idle(kernel_id)
