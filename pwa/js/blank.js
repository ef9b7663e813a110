// The cold-start benchmark's floor: a page from the same service worker that does nothing.
document.documentElement.dataset.ready = "1";
performance.mark("onsite:interactive");
