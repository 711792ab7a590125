// The export job page: when the file the person is waiting for becomes ready, fetch it.
// htmx swaps in the status part with data-fetch set only on that first "ready" poll, so a
// page opened later (or refreshed) offers the Download button without fetching again.
document.addEventListener("htmx:load", (event) => {
  const status = event.detail.elt;
  if (status && status.id === "export-job" && status.dataset.fetch) {
    window.location.assign(status.dataset.fetch);
  }
});
