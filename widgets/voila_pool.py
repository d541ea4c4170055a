"""A kernel manager for ``make apps`` that does not cull a preheated kernel as it is handed out.

Voilà keeps preheated kernels in a pool and protects them from the idle culler while they
wait there. A pooled kernel is idle the whole time it waits, so when a viewer takes it, it
may already look idle for longer than the cull timeout; Voilà sends the page at once, but the
browser needs a moment to load the page and open its connection to the kernel. If the culler
runs in that moment, it shuts the kernel down and the viewer gets a page whose widgets never
appear. The benchmarks hit this with a 10-second timeout; with the kit's settings the chance
for the first viewer after a quiet spell is the page's connection time over the 30-second
check interval, a few percent.

This manager counts a kernel's idle time from when it left the pool. voila.json selects it
with ``VoilaConfiguration.multi_kernel_manager_class``; Voilà builds its pooling manager on
top of it, so everything else is Voilà's.
"""

from __future__ import annotations

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


class PreheatSafeKernelManager(AsyncMappingKernelManager):
    """``AsyncMappingKernelManager`` whose culler restarts the idle clock of taken kernels."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._waiting_in_pool: set[str] = set()

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

    def restart_idle_clock_of_taken_kernels(self) -> set[str]:
        """Mark kernels that left a pool since the last call as active now; return them."""
        pooled = self.pooled_kernel_ids()
        taken = {k for k in self._waiting_in_pool - pooled if k in self._kernels}
        now = utcnow()
        for kernel_id in taken:
            self._kernels[kernel_id].last_activity = now
        self._waiting_in_pool = pooled
        return taken

    async def cull_kernels(self):
        self.restart_idle_clock_of_taken_kernels()
        await super().cull_kernels()
